"""Two replicas in two processes (`regbot sweep --once`) against one Redis and one pair of
stand-ins: every reminder exactly once — sweeping at the same time, and with the leader paused
(SIGSTOP) longer than its lock while the other sweeps."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
import yaml

from bot.devtools.ionos import FakeIonos, FakeToken
from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack, serve_fake_slack
from bot.store.keys import Keys
from bot.store.ownership import OwnershipStore, TokenOwnership
from tests.ionos.contract import contract_checked
from tests.reminders.world import SCOPES
from tests.scenario.harness import APPROVAL_CHANNEL, SIGNING_SECRET, policy_mapping
from tests.slack_fixtures import BOT_TOKEN

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Stage:
    env: dict[str, str]
    ionos: FakeIonos
    slack: FakeSlack
    redis: aioredis.Redis
    keys: Keys
    tokens: dict[str, FakeToken]  # owner -> token

    def reminders_to(self, owner: str) -> list[dict[str, Any]]:
        token = self.tokens[owner]
        return [m for m in self.slack.messages_in(f"D{owner}") if token.id in json.dumps(m)]

    def delivered(self) -> int:
        return sum(len(self.reminders_to(owner)) for owner in self.tokens)

    async def start_sweep(self, lock_ttl: float) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "sweep",
            "--once",
            "--lock-ttl",
            str(lock_ttl),
            env=self.env,
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )


async def finish(process: asyncio.subprocess.Process) -> tuple[int, dict[str, Any]]:
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    lines = out.decode().strip().splitlines()
    assert lines, err.decode()[-2000:]
    return process.returncode, json.loads(lines[-1])


@contextlib.asynccontextmanager
async def staged(
    redis_server: RedisServer,
    fake_slack: FakeSlack,
    tmp_path: Path,
    *,
    registries: int,
    reviews: dict[str, int] | None = None,
) -> AsyncIterator[Stage]:
    ionos = FakeIonos()  # real time: the processes run on the system clock
    keys = Keys(namespace=f"p-{uuid.uuid4().hex[:12]}")
    redis = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    ownership = OwnershipStore(redis, keys)
    expiry = datetime.now(UTC) + timedelta(days=2)
    tokens: dict[str, FakeToken] = {}
    for i in range(registries):
        registry = ionos.add_registry(f"reg-{i:03d}")
        owner = f"UOWNER{i:03d}"
        fake_slack.add_user(owner, owner.lower())  # a person in the workspace
        token = ionos.add_token(registry.id, f"ci-{i}", expiry=expiry, scopes=SCOPES)
        tokens[owner] = token
        await ownership.record(
            TokenOwnership(
                token_id=token.id,
                owner=owner,
                registry_id=registry.id,
                registry_name=registry.name,
                token_name=token.name,
                request_id=f"r-{i}",
                created_at=datetime.now(UTC),
            )
        )
    policy_file = tmp_path / "policy.yml"
    mapping = policy_mapping()
    mapping["reminders"] = {"digest_hour_utc": 23}  # keep this test about reminders
    if reviews is not None:
        mapping["defaults"]["reviews"] = reviews
    policy_file.write_text(yaml.safe_dump(mapping))
    try:
        async with contract_checked(ionos) as ionos_url, serve_fake_slack(fake_slack) as slack_url:
            env = {
                **os.environ,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack_url,
                "IONOS_TOKEN": "fake-token",
                "IONOS_API_URL": ionos_url,
                "REDIS_URL": redis_server.url,
                "REGBOT_NAMESPACE": keys.namespace,
                "REGBOT_POLICY": str(policy_file),
                "LOG_LEVEL": "WARNING",
                "LOG_FORMAT": "text",
            }
            yield Stage(env, ionos, fake_slack, redis, keys, tokens)
    finally:
        await redis.aclose()


async def test_two_processes_sweeping_at_once_send_each_reminder_once(
    redis_server: RedisServer, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with staged(redis_server, fake_slack, tmp_path, registries=16) as stage:
        stage.ionos.knobs.latency = 0.05  # long enough for the two sweeps to overlap
        first, second = await asyncio.gather(stage.start_sweep(30), stage.start_sweep(30))
        (code_1, out_1), (code_2, out_2) = await asyncio.gather(finish(first), finish(second))

    assert (code_1, code_2) == (0, 0)
    assert out_1["swept"] or out_2["swept"]
    sent = sum(int(o.get("reminders_sent", 0)) for o in (out_1, out_2))
    assert sent == 16
    for owner in stage.tokens:
        assert len(stage.reminders_to(owner)) == 1, owner


async def test_leader_paused_past_its_lock_still_sends_each_reminder_once(
    redis_server: RedisServer, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with staged(redis_server, fake_slack, tmp_path, registries=24) as stage:
        stage.ionos.knobs.latency = 0.2  # the leader's sweep takes a couple of seconds
        leader = await stage.start_sweep(lock_ttl=1.0)
        try:
            async with asyncio.timeout(30):  # the leader holds the lock and has started sending
                while stage.delivered() == 0:
                    await asyncio.sleep(0.01)
            leader.send_signal(signal.SIGSTOP)
            before_pause = stage.delivered()
            assert before_pause < 24, "the leader finished before it could be paused"
            async with asyncio.timeout(10):  # its lock runs out while it is stopped
                while await stage.redis.exists(stage.keys.lock("sweep")):
                    await asyncio.sleep(0.02)

            follower = await stage.start_sweep(lock_ttl=30)
            code_f, out_f = await finish(follower)
            assert code_f == 0 and out_f["swept"] and not out_f["lock_lost"]
        finally:
            leader.send_signal(signal.SIGCONT)
        code_l, out_l = await finish(leader)

    assert out_l["lock_lost"] and code_l == 1  # it found out on its next renewal and stopped
    sent = int(out_l["reminders_sent"]) + int(out_f["reminders_sent"])
    assert sent == 24, json.dumps([out_l, out_f])
    for owner in stage.tokens:
        assert len(stage.reminders_to(owner)) == 1, owner


async def test_two_processes_open_a_scheduled_review_once(
    redis_server: RedisServer, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """``reviews: {every_days, due_days}`` in the policy: each registry gets one campaign,
    however many processes sweep, at once or one after the other."""
    reviews = {"every_days": 90, "due_days": 14}
    async with staged(redis_server, fake_slack, tmp_path, registries=6, reviews=reviews) as stage:
        stage.ionos.knobs.latency = 0.05
        for _ in range(2):  # together, then together again
            processes = await asyncio.gather(stage.start_sweep(30), stage.start_sweep(30))
            outcomes = await asyncio.gather(*(finish(p) for p in processes))
            assert [code for code, _ in outcomes] == [0, 0]
        for i in range(6):
            campaigns = await stage.redis.zrange(stage.keys.reviews_of(f"reg-{i:03d}"), 0, -1)
            assert len(campaigns) == 1, f"reg-{i:03d}"
            campaign = await stage.redis.hgetall(stage.keys.review(campaigns[0]))
            assert (campaign["started_by"], campaign["total"], campaign["open"]) == (
                "regbot",
                "1",
                "1",
            )
        posts = [
            m for m in stage.slack.messages_in(APPROVAL_CHANNEL) if "Access review" in m["text"]
        ]
        assert len(posts) == 6
