"""The image's health check follows the command the container runs: `serve` must answer 200
on /healthz, a stand-in must answer on its own port, `sweep` (which serves nothing) must reach
its Redis, anything else is healthy. Checked against real servers on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.devtools.redis_server import RedisServer, free_port
from bot.runtime.healthcheck import check, command_line


def proc_cmdline(tmp_path: Path, *argv: str) -> Path:
    path = tmp_path / "cmdline"
    path.write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    return path


def test_the_command_is_read_from_pid_1(tmp_path: Path) -> None:
    assert command_line(
        proc_cmdline(tmp_path, "/opt/venv/bin/python", "/opt/venv/bin/regbot", "sweep")
    ) == ["sweep"]
    assert command_line(
        proc_cmdline(tmp_path, "/sbin/docker-init", "--", "regbot", "fake-slack", "--port", "9")
    ) == ["fake-slack", "--port", "9"]
    assert command_line(proc_cmdline(tmp_path, "python", "-m", "bot", "serve")) == ["serve"]
    assert command_line(proc_cmdline(tmp_path, "/bin/sh")) == []
    assert command_line(tmp_path / "missing") == []


@pytest.fixture
async def healthz() -> AsyncIterator[tuple[int, list[int]]]:
    """A /healthz answering the status at the head of the list (served in this loop: the
    checks run in a thread)."""
    statuses = [200]

    async def handler(_: web.Request) -> web.Response:
        return web.json_response({}, status=statuses[0])

    app = web.Application()
    app.router.add_get("/healthz", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield runner.addresses[0][1], statuses
    finally:
        await runner.cleanup()


async def test_serve_needs_a_200_from_healthz(healthz: tuple[int, list[int]]) -> None:
    port, statuses = healthz
    healthy = await asyncio.to_thread(
        check, [], {"PORT": str(port)}
    )  # the image's CMD: regbot serve
    flagged = await asyncio.to_thread(check, ["serve", "--port", str(port)], {})
    statuses[0] = 503
    degraded = await asyncio.to_thread(check, ["serve"], {"PORT": str(port)})
    nothing = await asyncio.to_thread(check, ["serve"], {"PORT": str(free_port())})

    assert healthy is None and flagged is None
    assert degraded is not None and "503" in degraded
    assert nothing is not None and "/healthz" in nothing


async def test_a_stand_in_is_checked_on_its_own_port(healthz: tuple[int, list[int]]) -> None:
    port, _ = healthz  # any HTTP answer will do (here a 404 for /)
    assert (
        await asyncio.to_thread(check, ["fake-ionos", "--port", str(port)], {"PORT": "3000"})
        is None
    )
    problem = await asyncio.to_thread(check, ["fake-slack", f"--port={free_port()}"], {})
    assert problem is not None and "127.0.0.1" in problem


def test_sweep_is_checked_on_its_redis(redis_server: RedisServer) -> None:
    assert check(["sweep"], {"REDIS_URL": redis_server.url, "PORT": "1"}) is None
    problem = check(["sweep"], {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    assert problem is not None and problem.startswith("redis at 127.0.0.1:")
    assert check(["audit", "verify"], {}) is None  # runs to its end
