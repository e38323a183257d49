"""The proof that regbot survives a Redis failover with several replicas (issue 15).

Real processes: a Redis master, its replica and three sentinels; three `regbot serve`
replicas in HTTP mode (REDIS_SENTINELS, REDIS_MIN_REPLICAS_ACK at its default of 1); signed
Slack traffic spread round-robin by a small proxy; the Slack and IONOS stand-ins. People run
full flows (request, approve, collect) at a steady pace, and in the middle the Redis master
is SIGKILLed; a supervisor starts it again once the sentinels have promoted the replica (it
comes back as the new master's replica).

Then: every flow completed or its person was answered in words (no silence, no HTTP error);
no flow half-done; one token per flow at IONOS and each password in one message; everything a
person was told (pending, approved, created) is in Redis after the failover with its audit
entry; `regbot audit verify` passes; every ack outside the failover window is under Slack's
3 s. The measured window is printed (see docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from redis.asyncio import Redis

from bot.devtools.ionos import FakeIonos, serve_fake_ionos
from bot.devtools.slack import FakeSlack, hooks_url, serve_fake_slack
from bot.domain.models import RequestState
from bot.runtime.clients import redis_from
from bot.runtime.redis_settings import RedisSettings
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.requests import RequestStore
from tests.reliability.people import Flow, Person, TracingDriver
from tests.reliability.replicas import RoundRobin, start_replicas
from tests.reliability.sentinels import MASTER_NAME, SentinelGroup, sentinel_group
from tests.scenario.harness import policy_mapping
from tests.serving import REPO, SIGNING_SECRET, bot_env

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

PEOPLE = 3
BEFORE_KILL = 4  # flows completed before the master is killed
AFTER_RECOVERY = 2  # flows each person completes after the failover
SLACK_ACK = 3.0


@pytest.fixture
def group() -> Iterator[SentinelGroup]:
    with sentinel_group() as started:
        yield started


async def _audit_verify(env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "audit",
        "verify",
        env=env,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    return process.returncode or 0, (out + err).decode()


@pytest.mark.timeout(240)
async def test_a_master_killed_under_load_loses_nothing_anyone_was_told(
    group: SentinelGroup, tmp_path: Path, fake_slack: FakeSlack
) -> None:
    ionos = FakeIonos()
    registry = ionos.add_registry("team-registry", location="de/fra")
    approvers = [f"UAPP{i}" for i in range(PEOPLE)]
    for i in range(PEOPLE):
        fake_slack.add_user(f"UDEV{i}", f"dev{i}")
        fake_slack.add_user(approvers[i], f"approver{i}")
    fake_slack.set_usergroup("SAPPROVERS", approvers)
    policy = tmp_path / "policy.yml"
    policy.write_text(yaml.safe_dump(policy_mapping()), encoding="utf-8")
    keys = Keys(namespace="failover")
    redis_env = {"REDIS_SENTINELS": group.sentinels_env, "REDIS_SENTINEL_MASTER": MASTER_NAME}

    async with serve_fake_ionos(ionos) as ionos_url, serve_fake_slack(fake_slack) as slack_url:
        env = bot_env(
            slack_url=slack_url,
            ionos_url=ionos_url,
            redis_url="redis://127.0.0.1:9/0",  # unused: Sentinel decides
            policy=policy,
            port=0,
            regbot_namespace=keys.namespace,
            log_level="WARNING",
            **{k.lower(): v for k, v in redis_env.items()},
        )
        replicas = await start_replicas(3, env, tmp_path)
        proxy = await RoundRobin(replicas.urls).start()
        ours = redis_from(RedisSettings(**{k.lower(): v for k, v in redis_env.items()}))
        try:
            await _catalog_warm(ionos, count=3)
            report = await _drive(group, proxy, fake_slack, ionos, registry, slack_url)
            await _check(report, ours, keys, ionos, registry, fake_slack, proxy)
            code, said = await _audit_verify(env | redis_env)
            assert code == 0, said
            assert "audit chain ok" in said
        except BaseException:
            print(replicas.output())
            raise
        finally:
            await proxy.aclose()
            await replicas.stop()
            await ours.aclose()


async def _catalog_warm(ionos: FakeIonos, *, count: int) -> None:
    """Each replica loads the registry list at start; wait until all three have."""
    async with asyncio.timeout(30):
        while sum(1 for r in ionos.requests if r.path.endswith("/registries")) < count:
            await asyncio.sleep(0.05)


class Report:
    def __init__(self) -> None:
        self.flows: list[Flow] = []
        self.killed_at = 0.0
        self.promoted_at = 0.0
        self.replica_back_at = 0.0


async def _drive(
    group: SentinelGroup,
    proxy: RoundRobin,
    slack: FakeSlack,
    ionos: FakeIonos,
    registry: object,
    slack_url: str,
) -> Report:
    report = Report()
    killed = asyncio.Event()
    recovered = asyncio.Event()
    today = datetime.now(UTC).date()

    async def person(index: int) -> None:
        driver = TracingDriver(proxy.url, SIGNING_SECRET, hooks_url=hooks_url(slack_url))
        who = Person(driver, slack, ionos, registry, today)  # type: ignore[arg-type]
        after = 0
        try:
            for number in range(1000):
                flow = Flow(f"w{index}-f{number:03d}", f"UDEV{index}", f"UAPP{index}")
                report.flows.append(flow)
                began_after_recovery = recovered.is_set()
                await who.run(flow)
                if began_after_recovery and flow.collected:
                    after += 1
                if after >= AFTER_RECOVERY:
                    return
        finally:
            await driver.aclose()

    async def failover() -> None:
        async with asyncio.timeout(60):
            while sum(f.collected for f in report.flows) < BEFORE_KILL:
                await asyncio.sleep(0.05)
        old = group.master_port()
        report.killed_at = time.time()
        server = await asyncio.to_thread(group.kill_master)
        killed.set()
        await asyncio.to_thread(group.wait_for_failover, old)
        report.promoted_at = time.time()
        group.restart(server)  # a supervisor starts it again; the sentinels demote it
        await asyncio.to_thread(group.wait_until_replicated)
        report.replica_back_at = time.time()
        recovered.set()

    async with asyncio.timeout(200):
        await asyncio.gather(failover(), *(person(i) for i in range(PEOPLE)))
    return report


async def _check(
    report: Report,
    redis: Redis,
    keys: Keys,
    ionos: FakeIonos,
    registry: object,
    slack: FakeSlack,
    proxy: RoundRobin,
) -> None:
    flows = report.flows
    # -- every flow completed or was answered in words; nobody met silence ------------------
    assert all(not f.silent for f in flows), [f.silent for f in flows if f.silent]
    assert all(f.collected or f.answered for f in flows)
    assert all(a.status == 200 for a in proxy.acks), Counter(a.status for a in proxy.acks)

    # -- IONOS: one token per flow, each password in exactly one Slack message ---------------
    tokens = ionos.tokens(registry.id)  # type: ignore[attr-defined]
    names = Counter(t.name for t in tokens)
    assert all(n == 1 for n in names.values()), names
    assert {f.name for f in flows if f.collected} <= set(names)
    texts = [json.dumps(c.payload, ensure_ascii=False) for c in slack.calls]
    for token in tokens:
        assert sum(token.password in text for text in texts) == 1, token.name

    # -- what people were told is in Redis, with its audit entry ---------------------------
    store, audit = RequestStore(redis, keys), AuditLog(redis, keys)
    for flow in flows:
        if not flow.told_pending:
            continue
        assert flow.request_id is not None
        request = await _settled(store, flow.request_id, collected=flow.collected)
        actions = [
            str(e.action)
            for e in await audit.latest(1000, request_id=flow.request_id)
            if e.outcome == "ok"
        ]
        assert actions.count("requested") == 1, (flow.name, actions)
        if flow.told_approved:
            assert request.state is not RequestState.PENDING, flow.name
            assert actions.count("approved") == 1, (flow.name, actions)
        if flow.collected:
            assert request.state is RequestState.COLLECTED, (flow.name, request.state)
            assert actions.count("created") == 1 and actions.count("delivered") == 1, actions
        else:  # answered in words: nothing half-done is left behind
            assert request.state is not RequestState.COLLECTING, flow.name

    # -- the switch was answered in words, among them the replicas' "did not confirm" ------
    words = [e[3] for f in flows for e in f.events if e[2] == "words"]
    assert any("did not confirm that change in time" in w for w in words), words[:5]

    # -- acks: under 3 s outside the failover window ----------------------------------------
    recovered = _first_success_after(flows, report.killed_at)
    window = (report.killed_at, recovered)
    outside = [a for a in proxy.acks if not window[0] <= a.at <= window[1]]
    inside = [a for a in proxy.acks if window[0] <= a.at <= window[1]]
    assert outside and max(a.seconds for a in outside) < SLACK_ACK
    print(
        "FAILOVER",
        json.dumps(
            {
                "flows": len(flows),
                "completed": sum(f.collected for f in flows),
                "answered_in_words": sum(bool(f.answered) for f in flows),
                "words_during_failover": len(words),
                "not_confirmed_words": sum("did not confirm" in w for w in words),
                "unreachable_words": sum("unreachable" in w for w in words),
                "other_words": Counter(
                    w[:120] for w in words if "did not confirm" not in w and "unreachable" not in w
                ),
                "sentinels_promoted_after_s": round(report.promoted_at - report.killed_at, 2),
                "replica_back_after_s": round(report.replica_back_at - report.killed_at, 2),
                "window_s": round(recovered - report.killed_at, 2),
                "acks": len(proxy.acks),
                "ack_max_outside_s": round(max(a.seconds for a in outside), 3),
                "ack_max_inside_s": round(max((a.seconds for a in inside), default=0.0), 3),
                "per_replica": Counter(a.replica for a in proxy.acks),
            }
        ),
    )


def _first_success_after(flows: list[Flow], moment: float) -> float:
    """The end of the failover window: the first step that succeeded after `moment`, once
    a step had failed after it (a step may also just have succeeded before anything noticed)."""
    events = sorted(e for f in flows for e in f.events if e[0] >= moment)
    failed = [e[0] for e in events if e[2] != "done"]
    if not failed:
        return moment
    done = [e[0] for e in events if e[2] == "done" and e[0] > failed[0]]
    assert done, "nothing succeeded after the failover"
    return min(done)


async def _settled(store: RequestStore, request_id: str, *, collected: bool) -> object:
    """The request as Redis has it; a delivery recorded in the background may take a moment."""
    async with asyncio.timeout(30):
        while True:
            request = await store.get(request_id)
            assert request is not None, f"request {request_id} was lost"
            if not collected or request.state is RequestState.COLLECTED:
                return request
            await asyncio.sleep(0.1)
