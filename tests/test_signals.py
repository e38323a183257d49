"""The long-running subcommands other than `serve` stop cleanly on SIGTERM — as PID 1 in a
container nothing else would stop them but SIGKILL (exit 137): `regbot sweep` stops its
scheduler and gives the sweep lock back, the stand-ins stop serving; each exits 0. Each runs
as a real child process, as an operator starts it."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp
import redis.asyncio as aioredis

from bot.devtools.ionos import FakeIonos, serve_fake_ionos
from bot.devtools.redis_server import RedisServer, free_port
from bot.store.keys import Keys
from tests.serving import Child, bot_env, run_regbot, write_policy

EXIT_WAIT = 30.0  # seconds a stopping child may take before the test calls it hung


async def wait_for_output(child: Child, text: str, *, tries: int = 600) -> None:
    for _ in range(tries):
        if text in child.output():
            return
        if child.process.returncode is not None:
            raise AssertionError(f"exited early:\n{child.output()}")
        await asyncio.sleep(0.05)
    raise AssertionError(f"never printed {text!r}:\n{child.output()}")


async def answers(url: str, *, tries: int = 600, **headers: str) -> int:
    """Poll `url` until it answers at all; its status."""
    async with aiohttp.ClientSession(headers=headers) as session:
        for _ in range(tries):
            try:
                async with session.get(url) as response:
                    return response.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never answered")


async def terminated(child: Child) -> int:
    child.process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(child.process.wait(), EXIT_WAIT)
    except TimeoutError:
        child.process.kill()
        await child.process.wait()
        raise AssertionError(f"ignored SIGTERM:\n{child.output()}") from None


async def test_sweep_stops_on_sigterm_and_gives_the_lock_back(
    tmp_path: Path, slack_api_url: str, redis_server: RedisServer
) -> None:
    ionos = FakeIonos()
    ionos.add_registry("team-registry")
    async with serve_fake_ionos(ionos) as ionos_url:
        env = bot_env(
            slack_url=slack_api_url,
            ionos_url=ionos_url,
            redis_url=redis_server.url,
            policy=write_policy(tmp_path),
            port=free_port(),
        )
        child = await run_regbot(["sweep"], env, tmp_path)
        await wait_for_output(child, "sweep done")  # the first tick ran

        code = await terminated(child)

    assert code == 0, child.output()
    assert "regbot sweep stopped" in child.output()
    assert "Traceback" not in child.output()
    keys = Keys(namespace=env["REGBOT_NAMESPACE"])
    client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        assert await client.exists(keys.lock("sweep")) == 0
    finally:
        await client.aclose()


async def test_fake_ionos_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    child = await run_regbot(["fake-ionos", "--port", str(port)], {"PATH": "/usr/bin"}, tmp_path)
    status = await answers(f"http://127.0.0.1:{port}/registries", Authorization="Bearer fake-token")

    code = await terminated(child)

    assert status == 200
    assert code == 0, child.output()
    assert "IONOS stand-in stopped" in child.output()


async def test_fake_slack_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    child = await run_regbot(["fake-slack", "--port", str(port)], {"PATH": "/usr/bin"}, tmp_path)
    status = await answers(f"http://127.0.0.1:{port}/try/calls")

    code = await terminated(child)

    assert status == 200
    assert code == 0, child.output()
    assert "Slack stand-in stopped" in child.output()
