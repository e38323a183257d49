"""Escalation across processes: a request undecided for longer than ``escalation.after`` is
escalated exactly once while two `regbot sweep --once` and two lock-free housekeeping runs, each
a process of its own, sweep the same Redis at the same time."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
import yaml

from bot.devtools.ionos import FakeIonos
from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack, serve_fake_slack
from bot.domain.models import Action, RepoScope, RequestState, TokenAsk, TokenRequest
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.requests import RequestStore
from tests.ionos.contract import contract_checked
from tests.scenario.harness import SIGNING_SECRET
from tests.scenario.rules_world import ESCALATION_CHANNEL, ONCALL, rules_policy_mapping
from tests.slack_fixtures import BOT_TOKEN

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


async def _run(env: dict[str, str], *args: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        env=env,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    lines = out.decode().strip().splitlines()
    assert process.returncode == 0 and lines, err.decode()[-2000:]
    result: dict[str, Any] = json.loads(lines[-1])
    return result


async def _old_pending_request(redis: aioredis.Redis, keys: Keys) -> str:
    created = datetime.now(UTC) - timedelta(hours=9)  # escalation.after is 8h
    request = TokenRequest(
        id=uuid.uuid4().hex,
        state=RequestState.PENDING,
        requester="UDEV",
        ask=TokenAsk(
            registry_id="reg-id",
            registry_name="team-registry",
            token_name="ci-push",
            scopes=[RepoScope(repository="team/app", actions=frozenset({Action.PUSH}))],
            expiry=created + timedelta(days=10),
            reason="CI",
        ),
        created_at=created,
        approval_channel="CAPPROVALS",
    )
    stored, _ = await RequestStore(redis, keys).create(
        request, nonce=uuid.uuid4().hex, ttl=timedelta(hours=72)
    )
    return stored.id


async def test_four_processes_sweeping_at_once_escalate_once(
    redis_server: RedisServer, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    keys = Keys(namespace=f"e-{uuid.uuid4().hex[:12]}")
    redis = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    mapping = rules_policy_mapping()
    mapping["reminders"] = {"digest_hour_utc": 23, "nudge_after_hours": 100}
    policy_file = tmp_path / "policy.yml"
    policy_file.write_text(yaml.safe_dump(mapping))
    ionos = FakeIonos()
    ionos.add_registry("team-registry")
    try:
        request_id = await _old_pending_request(redis, keys)
        async with contract_checked(ionos) as ionos_url, serve_fake_slack(fake_slack) as slack:
            env = {
                **os.environ,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack,
                "IONOS_TOKEN": "fake-token",
                "IONOS_API_URL": ionos_url,
                "REDIS_URL": redis_server.url,
                "REGBOT_NAMESPACE": keys.namespace,
                "REGBOT_POLICY": str(policy_file),
                "LOG_LEVEL": "WARNING",
                "LOG_FORMAT": "text",
            }
            sweep = ("-m", "bot", "sweep", "--once", "--lock-ttl", "30")
            lock_free = ("-m", "tests.reminders.housekeeping_once")
            reports = await asyncio.gather(
                _run(env, *sweep), _run(env, *sweep), _run(env, *lock_free), _run(env, *lock_free)
            )
        entries = await AuditLog(redis, keys).latest(20, request_id=request_id)
        stored = await RequestStore(redis, keys).get(request_id)
    finally:
        await redis.aclose()

    # the lock-free runs report what they escalated (the sweeps' reports do not say)
    assert sum(int(r.get("escalated", 0)) for r in reports[2:]) <= 1, reports
    asked = fake_slack.messages_in(ESCALATION_CHANNEL)
    assert len(asked) == 1 and f"<@{ONCALL}>" in json.dumps(asked[0])
    assert [e.action for e in entries].count("escalated") == 1
    assert stored is not None and stored.escalated_at is not None
    assert stored.escalation_channel == ESCALATION_CHANNEL
