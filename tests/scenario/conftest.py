"""The `harness` fixture: a real bot between signed Slack traffic and two stand-ins."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from aiohttp import web

from bot.devtools.ionos import FakeIonos
from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack, hooks_url, serve_fake_slack
from bot.devtools.slack_driver import SlackDriver
from bot.domain.clock import Clock
from bot.policy.model import Policy
from bot.runtime.settings import Settings
from bot.runtime.wiring import assemble
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.ionos.contract import contract_checked
from tests.scenario.harness import SIGNING_SECRET, Harness, policy_mapping
from tests.slack_fixtures import BOT_TOKEN


def check_everything_sent(slack: FakeSlack) -> None:
    """Every message and view the bot sent parses with slack_sdk.models and keeps Block
    Kit's limits — checked after every scenario, whatever it was about."""
    for call in slack.calls:
        payload = call.payload
        if call.method in ("views.open", "views.update", "views.push", "views.publish"):
            assert_valid_view(payload["view"])
        elif "blocks" in payload:
            assert_valid_message(payload["blocks"], payload.get("text", ""))


@pytest.fixture
def policy() -> Policy:
    return Policy.from_mapping(policy_mapping())


@pytest.fixture
def clock() -> Clock | None:
    """The bot's clock: None is the system clock. A module that moves time overrides this
    fixture with a `FakeClock`; the bot and the IONOS stand-in then share it."""
    return None


@pytest.fixture
async def harness(
    redis_server: RedisServer, fake_slack: FakeSlack, policy: Policy, clock: Clock | None
) -> AsyncIterator[Harness]:
    ionos = FakeIonos(clock=clock)
    registries = {
        name: ionos.add_registry(name, location="de/fra")
        for name in ("team-registry", "prod-registry")
    }
    namespace = f"s-{uuid.uuid4().hex[:12]}"
    async with contract_checked(ionos) as ionos_url, serve_fake_slack(fake_slack) as slack_url:
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack_url,
            ionos_token="fake-token",
            ionos_api_url=ionos_url,
            redis_url=redis_server.url,
            regbot_namespace=namespace,
        )
        async with assemble(settings, policy, clock=clock) as bot:
            runner = web.AppRunner(bot.web_app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            driver = SlackDriver(
                f"http://127.0.0.1:{port}", SIGNING_SECRET, hooks_url=hooks_url(slack_url)
            )
            client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
            try:
                yield Harness(driver, fake_slack, ionos, bot, client, bot.keys, registries)
                check_everything_sent(fake_slack)
            finally:
                await driver.aclose()
                await client.aclose()
                await runner.cleanup()
