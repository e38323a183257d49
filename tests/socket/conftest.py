"""The `socket_harness` fixture: the real bot in Socket Mode (`regbot serve`'s `serve`),
connected over a real WebSocket to the devtools' Socket Mode stand-in, with the IONOS stand-in
(contract-checked) and a private Redis behind — the scenario `Harness`, driven by envelopes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from bot.devtools.ionos import FakeIonos
from bot.devtools.redis_server import RedisServer, free_port
from bot.devtools.slack import FakeSlack
from bot.devtools.slack_socket import APP_TOKEN, SocketModeSlack, serve_socket_slack
from bot.devtools.slack_socket_driver import SocketDriver
from bot.policy.model import Policy
from bot.runtime.serve import serve
from bot.runtime.settings import Settings
from bot.runtime.wiring import assemble
from tests.ionos.contract import contract_checked
from tests.scenario.conftest import check_everything_sent
from tests.scenario.harness import SIGNING_SECRET, Harness, policy_mapping
from tests.slack_fixtures import BOT_TOKEN

# Slack waits 3 s for an ack; the tests give the bot longer, so a slow shared CI machine
# does not cause redeliveries the test did not ask for.
ACK_TIMEOUT = 10.0


@dataclass
class SocketHarness:
    harness: Harness
    socket: SocketModeSlack
    port: int  # the bot's health and metrics server


@pytest.fixture
async def socket_harness(
    redis_server: RedisServer, fake_slack: FakeSlack
) -> AsyncIterator[SocketHarness]:
    ionos = FakeIonos()
    registries = {name: ionos.add_registry(name) for name in ("team-registry", "prod-registry")}
    socket = SocketModeSlack(fake_slack, app_token=APP_TOKEN, ack_timeout=ACK_TIMEOUT)
    port = free_port()
    async with contract_checked(ionos) as ionos_url, serve_socket_slack(socket) as slack_url:
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_app_token=APP_TOKEN,
            slack_api_url=slack_url,
            ionos_token="fake-token",
            ionos_api_url=ionos_url,
            redis_url=redis_server.url,
            regbot_namespace=f"sock-{uuid.uuid4().hex[:12]}",
            host="127.0.0.1",
        )
        mapping = policy_mapping()
        # traffic tests: one person sends more requests than the per-person limit allows
        mapping["defaults"]["max_open_requests_per_user"] = 1000
        async with assemble(settings, Policy.from_mapping(mapping)) as bot:
            stop = asyncio.Event()
            served = asyncio.create_task(serve(bot, settings, port=port, stop=stop, grace=5))
            driver = SocketDriver(socket, ack_wait=3 * ACK_TIMEOUT)
            client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
            try:
                await asyncio.wait_for(socket.wait_for_connection(), 30)
                harness = Harness(driver, fake_slack, ionos, bot, client, bot.keys, registries)
                yield SocketHarness(harness, socket, port)
                check_everything_sent(fake_slack)
            finally:
                stop.set()
                await served
                await client.aclose()
