"""The bot wired for fault injection: the scenario `Harness`, with Redis and IONOS reachable
through URLs the test chooses (a dedicated Redis, a `TcpProxy` in front of either).

`running_bot` mirrors the scenario `harness` fixture (tests/scenario/conftest.py) but takes
its Redis URL, its IONOS stand-in, an optional proxy for IONOS and the clock as arguments.
It also reads everything a test may want to scan for a secret: Redis, the audit trail.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from aiohttp import web
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.devtools.ionos import FakeIonos, serve_fake_ionos
from bot.devtools.slack import FakeSlack, hooks_url, serve_fake_slack
from bot.devtools.slack_driver import SlackDriver, SlackReply
from bot.domain.clock import Clock
from bot.policy.model import Policy
from bot.runtime.settings import Settings
from bot.runtime.wiring import assemble
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.ionos.contract import contract_checked
from tests.reliability.proxy import TcpProxy
from tests.scenario.harness import SIGNING_SECRET, Harness, policy_mapping
from tests.slack_fixtures import BOT_TOKEN

PROD_APPROVER = "UPROD"
FAILURE_MESSAGES = ("listener failed", "unhandled Slack request", "Failed to run")


def reliability_policy() -> Policy:
    """The scenario policy, except that prod-registry is decided by UPROD and UAPP2: so UAPP1
    approves team-registry only, UPROD prod-registry only, UAPP2 both; and no practical limit
    on one person's open requests."""
    mapping = policy_mapping()
    mapping["registries"]["prod-registry"]["approvers"] = [PROD_APPROVER, "UAPP2"]
    # the races and the soak submit thousands of requests as one person: the per-person limit
    # on open requests (its own tests: tests/scenario/test_flood.py) is lifted here
    mapping["defaults"]["max_open_requests_per_user"] = 100_000
    return Policy.from_mapping(mapping)


class RecordingDriver(SlackDriver):
    """Keeps every (body, headers) it sent, so a test can replay one byte for byte; while
    `hold` is set it only records (a signed request kept for later)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[tuple[bytes, dict[str, str]]] = []
        self.hold = False

    async def raw(self, body: bytes, headers: dict[str, str]) -> SlackReply:
        self.sent.append((body, dict(headers)))
        if self.hold:
            return SlackReply(0, "")
        return await super().raw(body, headers)


def driver_of(harness: Harness) -> RecordingDriver:
    assert isinstance(harness.driver, RecordingDriver)
    return harness.driver


def new_fake_ionos(**kwargs: Any) -> FakeIonos:
    ionos = FakeIonos(**kwargs)
    for name in ("team-registry", "prod-registry"):
        ionos.add_registry(name, location="de/fra")
    return ionos


def listener_failures(records: list[logging.LogRecord]) -> list[str]:
    """Log records saying a listener (or Bolt) failed on something it did not expect."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in records
        if r.levelno >= logging.ERROR or any(m in r.getMessage() for m in FAILURE_MESSAGES)
    ]


@asynccontextmanager
async def running_bot(
    fake_slack: FakeSlack,
    *,
    redis_url: str,
    ionos: FakeIonos | None = None,
    ionos_proxy: bool = False,
    policy: Policy | None = None,
    clock: Clock | None = None,
    ionos_timeout: float = 10.0,
    bot_redis_url: str | None = None,
    contract: bool = True,
    replicas_ack: int | None = None,
) -> AsyncIterator[tuple[Harness, TcpProxy | None]]:
    """A bot on a free port; yields the harness and, with `ionos_proxy`, the proxy that sits
    between the bot and the IONOS stand-in. The bot uses `bot_redis_url` when given (e.g. a
    proxy), the harness's own client always `redis_url`. Every IONOS exchange is checked
    against the spec unless `contract` is off."""
    ionos = ionos or new_fake_ionos()
    fake_slack.add_user(PROD_APPROVER, "prod.approver", tz="Europe/Berlin")
    registries = {r.name: r for r in ionos.registries()}
    namespace = f"r-{uuid.uuid4().hex[:12]}"
    serving = contract_checked(ionos) if contract else serve_fake_ionos(ionos)
    async with serving as ionos_url, serve_fake_slack(fake_slack) as slack_url:
        proxy = None
        if ionos_proxy:
            host, _, port = ionos_url.removeprefix("http://").rpartition(":")
            proxy = await TcpProxy(host, int(port)).start()
            ionos_url = f"http://127.0.0.1:{proxy.port}"
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack_url,
            ionos_token="fake-token",
            ionos_api_url=ionos_url,
            ionos_timeout_seconds=ionos_timeout,
            redis_url=bot_redis_url or redis_url,
            regbot_namespace=namespace,
            redis_min_replicas_ack=replicas_ack,
        )
        try:
            async with assemble(settings, policy or reliability_policy(), clock=clock) as bot:
                runner = web.AppRunner(bot.web_app, access_log=None)
                await runner.setup()
                site = web.TCPSite(runner, "127.0.0.1", 0)
                await site.start()
                port = runner.addresses[0][1]
                driver = RecordingDriver(
                    f"http://127.0.0.1:{port}", SIGNING_SECRET, hooks_url=hooks_url(slack_url)
                )
                client = reconnecting_client(redis_url)
                try:
                    yield (
                        Harness(driver, fake_slack, ionos, bot, client, bot.keys, registries),
                        proxy,
                    )
                    check_everything_sent(fake_slack)
                finally:
                    await driver.aclose()
                    await client.aclose()
                    await runner.cleanup()
        finally:
            if proxy is not None:
                await proxy.aclose()


def reconnecting_client(url: str) -> aioredis.Redis:
    """The test's own Redis client; it reconnects after a restart the tests cause."""
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=5),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )


def check_everything_sent(slack: FakeSlack) -> None:
    """As the scenario harness does: every message and view the bot sent is valid Block Kit."""
    for call in slack.calls:
        payload = call.payload
        if call.method in ("views.open", "views.update", "views.push", "views.publish"):
            assert_valid_view(payload["view"])
        elif "blocks" in payload:
            assert_valid_message(payload["blocks"], payload.get("text", ""))


async def everything_in_redis(redis: aioredis.Redis) -> str:
    """Every key and every value of every type (streams included) in the whole server, as
    one text: SCAN + TYPE + a read per type, no DEBUG RELOAD or dump needed."""
    seen: list[str] = []
    readers: dict[str, Callable[[str], Any]] = {
        "string": redis.get,
        "hash": redis.hgetall,
        "set": redis.smembers,
        "zset": lambda k: redis.zrange(k, 0, -1, withscores=True),
        "list": lambda k: redis.lrange(k, 0, -1),
        "stream": redis.xrange,
    }
    async for key in redis.scan_iter(match="*", count=1000):
        kind = await redis.type(key)
        seen.append(key)
        seen.append(json.dumps(await readers[kind](key), default=str))
    return "\n".join(seen)
