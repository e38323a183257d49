"""`regbot serve` in HTTP mode as a child process, between the Slack and IONOS stand-ins and a
private Redis: healthy, answers a signed command, shows it in /metrics, and on SIGTERM stops
taking requests, lets the command's unfinished work end, and exits 0."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.devtools.ionos import FakeIonos
from bot.devtools.redis_server import RedisServer, free_port
from bot.devtools.slack import RESPONSE_URL, FakeSlack, hooks_url, serve_fake_slack
from bot.devtools.slack_driver import SlackDriver
from tests.serving import (
    SIGNING_SECRET,
    bot_env,
    run_regbot,
    wait_until_healthy,
    wait_until_refused,
    write_policy,
)
from tests.slack_fixtures import DEVELOPER

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Gate:
    """Holds IONOS token listings until opened: the bot's work stays in flight meanwhile."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self._open = asyncio.Event()

    def open(self) -> None:
        self._open.set()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "GET" and request.path.endswith("/tokens"):
            self.entered.set()
            await self._open.wait()
        return await handler(request)


@contextlib.asynccontextmanager
async def gated_ionos(fake: FakeIonos, gate: Gate) -> AsyncIterator[str]:
    app = fake.app()
    app.middlewares.append(gate.middleware)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        gate.open()
        await runner.cleanup()


async def test_serve_http_mode_drains_in_flight_work_on_sigterm_and_exits_0(
    redis_server: RedisServer, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    ionos = FakeIonos()
    registry = ionos.add_registry("team-registry")
    ionos.add_token(registry.id, "ci-pull")
    gate = Gate()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with gated_ionos(ionos, gate) as ionos_url, serve_fake_slack(fake_slack) as slack_url:
        env = bot_env(
            slack_url=slack_url,
            ionos_url=ionos_url,
            redis_url=redis_server.url,
            policy=write_policy(tmp_path),
            port=port,
        )
        child = await run_regbot(["serve"], env, tmp_path)
        try:
            await wait_until_healthy(child, f"{base}/healthz")
            async with SlackDriver(base, SIGNING_SECRET, hooks_url=hooks_url(slack_url)) as slack:
                ack = await slack.command("list team-registry", user_id=DEVELOPER)
            assert ack.status == 200

            await gate.entered.wait()  # the command's work is now waiting on IONOS
            async with aiohttp.ClientSession() as session, session.get(f"{base}/metrics") as page:
                metrics = await page.text()
            assert 'regbot_slack_requests_total{kind="command",name="list"} 1.0' in metrics
            assert 'regbot_ionos_request_duration_seconds_count{method="GET",status="200"}' in (
                metrics
            )

            child.process.send_signal(signal.SIGTERM)
            await wait_until_refused(f"{base}/healthz")  # no new work is taken...
            assert child.process.returncode is None  # ...but the process waits for the old
            assert fake_slack.calls_to(RESPONSE_URL) == []

            gate.open()
            assert await child.process.wait() == 0, child.output()
        finally:
            if child.process.returncode is None:
                child.process.kill()
                await child.process.wait()

    replies = fake_slack.calls_to(RESPONSE_URL)
    assert len(replies) == 1
    assert replies[0].payload["text"].startswith("Tokens on team-registry")
    logs = [json.loads(line) for line in child.stderr.read_text().splitlines() if line]
    messages = [entry["event"] for entry in logs]
    assert messages.index("regbot stopping") < messages.index("regbot stopped")
    serving = next(e for e in logs if e["event"] == "regbot serving")
    assert serving["event_loop"] == "uvloop"  # the default (REGBOT_EVENT_LOOP)
    assert serving["frozen_objects"] > 10_000  # the start-up heap, out of the collector's way
    finished = next(e for e in logs if e["event"] == "in-flight work finished")
    assert finished["cancelled"] == 0
    assert not [e for e in logs if e["level"] in ("error", "critical")]
