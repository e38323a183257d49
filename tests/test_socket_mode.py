"""Socket Mode: chosen from the settings, and served for real against the devtools' Socket
Mode stand-in — ``apps.connections.open`` hands out a ws:// URL, an envelope sent down it is
acknowledged, and the command's answer reaches the user (the whole flows: tests/socket/).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from bot.devtools.ionos import FakeIonos, serve_fake_ionos
from bot.devtools.redis_server import RedisServer, free_port
from bot.devtools.slack import FakeSlack
from bot.devtools.slack_socket import SocketModeSlack, serve_socket_slack
from bot.devtools.slack_socket_driver import SocketDriver
from bot.policy.model import Policy
from bot.runtime.serve import TrackedSocketModeHandler, serve, slack_mode, socket_handler
from bot.runtime.settings import Settings
from bot.runtime.wiring import assemble
from tests.serving import BOT_TOKEN, POLICY, SIGNING_SECRET

APP_TOKEN = "xapp-1-A0FAKE-1-fake"


def settings_for(slack_url: str, ionos_url: str, redis_url: str, **extra: Any) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_url,
        ionos_token="fake-token",
        ionos_api_url=ionos_url,
        redis_url=redis_url,
        regbot_namespace=f"sock-{uuid.uuid4().hex[:12]}",
        **extra,
    )


def test_the_mode_follows_the_app_token() -> None:
    http = settings_for("http://x/api/", "http://y", "redis://z")
    socket = settings_for("http://x/api/", "http://y", "redis://z", slack_app_token=APP_TOKEN)
    assert slack_mode(http) == "http"
    assert slack_mode(socket) == "socket"
    empty = settings_for("http://x/api/", "http://y", "redis://z", slack_app_token="")
    assert slack_mode(empty) == "http"  # `SLACK_APP_TOKEN=` in an .env file means unset
    with pytest.raises(ValidationError, match="app-level token"):
        settings_for("http://x/api/", "http://y", "redis://z", slack_app_token="xoxb-bot-token")


async def test_the_socket_handler_is_built_from_the_settings(redis_server: RedisServer) -> None:
    settings = settings_for(
        "http://127.0.0.1:9/api/", "http://127.0.0.1:9", redis_server.url, slack_app_token=APP_TOKEN
    )
    async with assemble(settings, Policy.from_mapping(POLICY)) as bot:
        handler = socket_handler(bot, settings)
        try:
            assert isinstance(handler, TrackedSocketModeHandler)
            assert handler.app is bot.bolt
            assert handler.app_token == APP_TOKEN
            assert handler.client.web_client is bot.slack
        finally:
            await handler.close()
        with pytest.raises(ValueError, match="SLACK_APP_TOKEN"):
            socket_handler(bot, settings.model_copy(update={"slack_app_token": None}))


async def test_socket_mode_acks_an_envelope_and_answers(
    redis_server: RedisServer, fake_slack: FakeSlack
) -> None:
    fake = SocketModeSlack(fake_slack, app_token=APP_TOKEN)
    ionos = FakeIonos()
    ionos.add_registry("team-registry")
    port = free_port()
    async with serve_socket_slack(fake) as slack_url, serve_fake_ionos(ionos) as ionos_url:
        settings = settings_for(slack_url, ionos_url, redis_server.url, slack_app_token=APP_TOKEN)
        async with assemble(settings, Policy.from_mapping(POLICY)) as bot:
            stop = asyncio.Event()
            served = asyncio.create_task(serve(bot, settings, port=port, stop=stop, grace=5))
            try:
                await fake.wait_for_connection()
                reply = await SocketDriver(fake).command("help", user_id="UDEV")
                [ack] = fake.acks
                # the reply is the listener's work after the ack: it follows the ack envelope
                async with asyncio.timeout(10):
                    while not fake_slack.calls_to("response_url"):
                        await asyncio.sleep(0.01)
                answered = json.dumps(ack.payload) + json.dumps(
                    [c.payload for c in fake_slack.calls_to("response_url")]
                )
                async with aiohttp.ClientSession() as session:
                    async with session.get(f"http://127.0.0.1:{port}/metrics") as page:
                        metrics = await page.text()
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                        checks = await health.json()
                    async with session.post(f"http://127.0.0.1:{port}/slack/events") as events:
                        events_status = events.status
            finally:
                stop.set()
                await served

    [opened] = fake_slack.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN  # the app-level token, not the bot's
    assert ack.envelope_id == reply.headers["X-Envelope-Id"]
    assert "/regtoken" in answered
    assert 'regbot_slack_requests_total{kind="command",name="help"} 1.0' in metrics
    assert checks["slack"] == "ok"
    assert events_status == 404  # no events endpoint: Slack's traffic comes over the socket
