"""A short soak of mixed traffic: the bot's memory stays flat after warm-up, and every Redis
key the traffic leaves behind is bounded by a retention rule (a TTL, a trimmed index, a
capped stream).

Shape: `WORKERS` people at once, each looping through a whole token life — request, (deny
one in five | approve), collect, list, a refused click from an outsider, help, delete — for
`WARM_UP` + `MEASURED` seconds: the two minutes the issue asks for.

The bot runs in a process of its own (`tests/reliability/bot_process.py`, the same wiring as
the other tests) so that its resident memory (VmRSS) is its own: the stand-ins, which record
every call on purpose, stay in the test process. Growth is measured from the end of the
warm-up (caches, pools and interned strings filled) to the end.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.devtools.ionos import FakeIonos, FakeRegistry, serve_fake_ionos
from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack, hooks_url, serve_fake_slack
from bot.devtools.slack_driver import SlackDriver, checkboxes, date_value, select_value, text_value
from bot.store.keys import Keys
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.approval import ReviewMeta
from handlers.views.request_modal import RequestModalMeta
from tests.reliability.rig import PROD_APPROVER, new_fake_ionos, reconnecting_client
from tests.scenario.harness import APPROVAL_CHANNEL, SIGNING_SECRET

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

WORKERS = 4
WARM_UP = 20.0
MEASURED = 100.0
GROWTH_LIMIT = 0.10
KEY_WORDS = {"req", "approvals", "user", "requests", "tokens", "audit", "head", "op", "submit"}
KEY_WORDS |= {"token", "pending", "remind", "lock", "ugroup"}
# Keys that may live without a TTL: singletons of the namespace, bounded by their own rule.
UNEXPIRING_BY_DESIGN = {
    "audit": "stream, capped with XADD MAXLEN ~ 1,000,000",
    "audit:head": "one string",
    "pending": "index of pending ids; ids whose hash expired are pruned when it is read",
}


@dataclass
class Soaked:
    """What the traffic needs: the driver, the stand-ins, Redis (what `Harness` has, minus
    the in-process bot)."""

    driver: SlackDriver
    slack: FakeSlack
    ionos: FakeIonos
    redis: aioredis.Redis
    keys: Keys
    registries: dict[str, FakeRegistry]
    pid: int


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@asynccontextmanager
async def bot_in_a_process(fake_slack: FakeSlack, redis_url: str) -> AsyncIterator[Soaked]:
    ionos = new_fake_ionos()
    fake_slack.add_user(PROD_APPROVER, "prod.approver")
    namespace = f"soak-{uuid.uuid4().hex[:8]}"
    async with serve_fake_ionos(ionos) as ionos_url, serve_fake_slack(fake_slack) as slack_url:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.reliability.bot_process",
            "--redis",
            redis_url,
            "--slack",
            slack_url,
            "--ionos",
            ionos_url,
            "--namespace",
            namespace,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stdout is not None
            async with asyncio.timeout(30):
                port = json.loads(await process.stdout.readline())["port"]
            driver = SlackDriver(
                f"http://127.0.0.1:{port}", SIGNING_SECRET, hooks_url=hooks_url(slack_url)
            )
            client = reconnecting_client(redis_url)
            registries = {r.name: r for r in ionos.registries()}
            try:
                yield Soaked(
                    driver, fake_slack, ionos, client, Keys(namespace), registries, process.pid
                )
            finally:
                await driver.aclose()
                await client.aclose()
        finally:
            process.terminate()
            await process.wait()


class Traffic:
    def __init__(self, harness: Soaked) -> None:
        self.h = harness
        self.flows = 0
        self.counter = 0
        self.registry_id = harness.registries["team-registry"].id

    def _values(self, name: str) -> dict[str, Any]:
        expiry = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()
        return {
            BlockId.REGISTRY: {ActionId.REGISTRY: select_value(self.registry_id)},
            BlockId.TOKEN_NAME: {ActionId.INPUT: text_value(name)},
            BlockId.EXPIRY: {ActionId.INPUT: date_value(expiry)},
            BlockId.REASON: {ActionId.INPUT: text_value("soak")},
            BlockId.scope_repo(0): {ActionId.INPUT: text_value("team/app")},
            BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])},
        }

    async def flow(self) -> None:
        h, driver = self.h, self.h.driver
        self.counter += 1
        n = self.counter
        name = f"soak-{n}"
        nonce = uuid.uuid4().hex  # a form nonce is regbot's shape (uuid4 hex)
        meta = RequestModalMeta(nonce=nonce).model_dump_json()
        reply = await driver.view_submission(
            Callback.REQUEST_MODAL, user_id="UDEV", values=self._values(name), private_metadata=meta
        )
        assert reply.status == 200 and not reply.text, reply.text
        request_id = await h.redis.get(h.keys.submission(nonce))
        assert request_id
        await self._until(request_id, "requester_channel", "DUDEV")  # announced: people click
        await driver.block_action(
            ActionId.APPROVE, user_id="UOUT", value=request_id, channel_id=APPROVAL_CHANNEL
        )
        if n % 5 == 0:
            deny = {
                BlockId.DECISION: {ActionId.INPUT: select_value("deny")},
                BlockId.COMMENT: {ActionId.INPUT: text_value("soak says no")},
            }
            await driver.view_submission(
                Callback.REVIEW_MODAL,
                user_id="UAPP2",
                values=deny,
                private_metadata=ReviewMeta(request_id=request_id).model_dump_json(),
            )
        else:
            await driver.block_action(
                ActionId.APPROVE, user_id="UAPP1", value=request_id, channel_id=APPROVAL_CHANNEL
            )
            await self._until(request_id, "state", "approved")
            await driver.block_action(
                ActionId.COLLECT, user_id="UDEV", value=request_id, channel_id="DUDEV"
            )
            await self._until(request_id, "state", "collected")
        await driver.command("list team-registry", user_id="UAPP1")
        await driver.command("help", user_id="UDEV")
        token = await self._token_named(name) if n % 5 else None
        if token is not None:
            await driver.block_action(
                ActionId.CONFIRM_DELETE,
                user_id="UDEV",
                value=f"{self.registry_id}:{token}",
                channel_id="DUDEV",
            )
        self.flows += 1

    async def _until(self, request_id: str, field: str, value: str) -> None:
        key = self.h.keys.request(request_id)
        async with asyncio.timeout(10):
            while await self.h.redis.hget(key, field) != value:
                await asyncio.sleep(0.005)

    async def _token_named(self, name: str) -> str | None:
        async with asyncio.timeout(10):
            while True:
                found = [t.id for t in self.h.ionos.tokens(self.registry_id) if t.name == name]
                if found:
                    return found[0]
                await asyncio.sleep(0.005)

    async def run_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            while time.monotonic() < deadline:
                await self.flow()

        await asyncio.gather(*(worker() for _ in range(WORKERS)))
        await asyncio.sleep(0.5)  # the last clicks' work after their acks

    def forget_recordings(self) -> None:
        """The stand-ins' call logs are the test's, not the bot's: emptied between phases."""
        self.h.slack.calls.clear()
        self.h.ionos.requests.clear()


async def _key_report(harness: Soaked) -> tuple[Counter[str], list[str], int]:
    """Keys by kind (the id part replaced by *), keys without TTL, the audit stream length."""
    prefix = "{" + harness.keys.namespace + "}:"
    kinds: Counter[str] = Counter()
    unexpiring: list[str] = []
    async for key in harness.redis.scan_iter(match=harness.keys.pattern(), count=1000):
        rest = key.removeprefix(prefix)
        parts = rest.split(":")
        kind = ":".join(p if p in KEY_WORDS else "*" for p in parts)
        kinds[kind] += 1
        if await harness.redis.ttl(key) == -1:
            unexpiring.append(kind)
    length = await harness.redis.xlen(harness.keys.audit_stream())
    return kinds, sorted(set(unexpiring)), length


@pytest.mark.timeout(WARM_UP + MEASURED + 120)  # two minutes of traffic, then the checks
async def test_two_minutes_of_mixed_traffic(fake_slack: FakeSlack, own_redis: RedisServer) -> None:
    async with bot_in_a_process(fake_slack, own_redis.url) as soaked:
        await soaked.driver.command("request team-registry", user_id="UDEV")  # registry cache
        async with asyncio.timeout(10):  # filled once the modal shows the registries
            while not any(
                c.method.startswith("views.") and "team-registry" in json.dumps(c.payload)
                for c in fake_slack.calls
            ):
                await asyncio.sleep(0.01)
        traffic = Traffic(soaked)
        await traffic.run_for(WARM_UP)
        traffic.forget_recordings()
        warm_flows, warm_rss = traffic.flows, _rss_kib(soaked.pid)

        await traffic.run_for(MEASURED)
        traffic.forget_recordings()
        flows = traffic.flows - warm_flows
        end_rss = _rss_kib(soaked.pid)
        kinds, unexpiring, stream = await _key_report(soaked)
        growth = (end_rss - warm_rss) / warm_rss
        print(
            f"soak: {warm_flows} warm-up + {flows} measured flows; bot RSS "
            f"{warm_rss / 1024:.1f} -> {end_rss / 1024:.1f} MiB ({growth:+.1%}); "
            f"keys {dict(kinds)}; without TTL {unexpiring}; audit stream {stream} entries"
        )
        assert flows > 100
        assert growth < GROWTH_LIMIT
        # retention: every key the traffic made expires, but for the designed singletons
        assert set(unexpiring) <= set(UNEXPIRING_BY_DESIGN), unexpiring
        # one request hash per flow (no strays), the stream far below its cap
        assert kinds["req:*"] == warm_flows + flows
        assert stream < 1_000_000
