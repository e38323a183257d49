"""What an idle or struggling bot writes to its log: no line per HTTP request from httpx or
httpcore (the health check alone made ~2,900 a day), no Bolt notice that the token "will be
unused" at every start, and an unreachable Slack logged as one line per retry with the reason,
its traceback once."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.redis_server import RedisServer, free_port
from bot.policy.model import Policy
from bot.runtime.logs import CHATTY, configure_logging
from bot.runtime.serve import TrackedSocketModeHandler
from bot.runtime.settings import Settings
from bot.runtime.wiring import assemble
from tests.serving import BOT_TOKEN, POLICY, SIGNING_SECRET

APP_TOKEN = "xapp-1-A0FAKE-1-fake"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in CHATTY}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


@pytest.fixture
async def ok_server() -> AsyncIterator[str]:
    async def registries(_: web.Request) -> web.Response:
        return web.json_response({"items": []})

    app = web.Application()
    app.router.add_get("/registries", registries)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/registries"
    finally:
        await runner.cleanup()


def settings(redis_url: str, slack_url: str, **extra: str) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_url,
        ionos_token="fake-token",
        ionos_api_url="http://127.0.0.1:9",
        redis_url=redis_url,
        regbot_namespace=f"log-{uuid.uuid4().hex[:12]}",
        **extra,
    )


@pytest.mark.usefixtures("restored_logging")
async def test_httpx_requests_are_not_logged_unless_debugging(
    ok_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")
    async with httpx.AsyncClient() as client:
        await client.get(ok_server)
    quiet = capsys.readouterr().err

    configure_logging("DEBUG", "text")
    async with httpx.AsyncClient() as client:
        await client.get(ok_server)
    debugging = capsys.readouterr().err

    assert "HTTP Request" not in quiet
    assert "HTTP Request: GET" in debugging  # the lines are there when asked for
    logging.getLogger("httpx").warning("still shown")
    assert "still shown" in capsys.readouterr().err


async def test_no_bolt_notice_about_an_unused_token(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)  # as in the container's environment
    caplog.set_level(logging.INFO)

    async with assemble(
        settings(redis_server.url, "http://127.0.0.1:9/api/"), Policy.from_mapping(POLICY)
    ):
        pass

    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_an_unreachable_slack_logs_one_line_per_retry_and_one_traceback(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    nowhere = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    config = settings(redis_server.url, nowhere, slack_app_token=APP_TOKEN)
    async with assemble(config, Policy.from_mapping(POLICY)) as bot:
        handler = TrackedSocketModeHandler(bot, APP_TOKEN, ping_interval=0.05)
        connecting = asyncio.create_task(handler.open())
        try:
            for _ in range(400):
                if len(failures(caplog)) >= 4:
                    break
                await asyncio.sleep(0.05)
        finally:
            await handler.close()
            connecting.cancel()
            await asyncio.gather(connecting, return_exceptions=True)

    attempts = failures(caplog)
    assert len(attempts) >= 4
    assert [r for r in attempts if r.exc_info] == attempts[:1]  # the first one only
    for record in attempts:  # each line says why
        assert "Cannot connect to host 127.0.0.1" in record.getMessage()


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("Failed to connect")]


@pytest.mark.usefixtures("restored_logging")
async def test_a_proxy_password_never_reaches_the_logs_even_when_debugging(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """slack_sdk logs the proxy URL it reads from HTTPS_PROXY at DEBUG, credentials and all."""
    monkeypatch.setenv("HTTPS_PROXY", "http://ops:s3cret@proxy.invalid:3128")
    configure_logging("DEBUG", "text")
    AsyncWebClient(token=BOT_TOKEN)  # reads the variable, and says so
    logged = capsys.readouterr().err
    assert "loaded from an env variable" in logged  # the line is there...
    assert "s3cret" not in logged  # ...without the password
