"""Many clicks at once, on one replica and on two: one winner, one audit entry per transition."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
import redis.asyncio as aioredis

from bot.domain.audit import AuditAction, Refusal
from bot.domain.models import RequestState
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.requests import RequestStore, Transition
from tests.store.conftest import T0, TTL, count_actions, make_request, op

pytestmark = pytest.mark.reliability

APPROVERS = [f"U_APPROVER_{i:02d}" for i in range(50)]


def outcomes(results: list[Transition]) -> Counter[str]:
    return Counter("applied" if t.applied else str(t.refusal) for t in results)


async def test_fifty_simultaneous_approvals_make_one_approval(
    store: RequestStore, audit: AuditLog
) -> None:
    request, _ = await store.create(make_request(), nonce=op(), ttl=TTL)
    results = await asyncio.gather(
        *(store.approve(request.id, actor=a, at=T0, op_id=op()) for a in APPROVERS)
    )
    assert outcomes(results) == {"applied": 1, Refusal.STALE: 49}
    [winner] = [t for t in results if t.applied]
    assert winner.request is not None
    assert winner.request.state is RequestState.APPROVED
    assert await count_actions(audit) == {
        AuditAction.REQUESTED: 1,
        AuditAction.APPROVED: 1,
        AuditAction.REFUSED: 49,
    }
    assert (await audit.verify()).ok


async def test_quorum_race_records_exactly_quorum_approvals(
    store: RequestStore, audit: AuditLog
) -> None:
    request, _ = await store.create(make_request(quorum=3), nonce=op(), ttl=TTL)
    results = await asyncio.gather(
        *(store.approve(request.id, actor=a, at=T0, op_id=op()) for a in APPROVERS)
    )
    assert outcomes(results) == {"applied": 3, Refusal.STALE: 47}
    stored = await store.get(request.id)
    assert stored is not None
    assert stored.state is RequestState.APPROVED
    assert len(stored.approvals) == 3
    counts = await count_actions(audit)
    assert (counts[AuditAction.APPROVAL_RECORDED], counts[AuditAction.APPROVED]) == (2, 1)


async def test_approve_against_deny_has_one_winner(store: RequestStore, audit: AuditLog) -> None:
    request, _ = await store.create(make_request(), nonce=op(), ttl=TTL)
    calls = []
    for i, approver in enumerate(APPROVERS):
        if i % 2:
            calls.append(store.deny(request.id, actor=approver, at=T0, comment="no", op_id=op()))
        else:
            calls.append(store.approve(request.id, actor=approver, at=T0, op_id=op()))
    results = await asyncio.gather(*calls)
    assert outcomes(results) == {"applied": 1, Refusal.STALE: 49}
    counts = await count_actions(audit)
    assert counts[AuditAction.APPROVED] + counts[AuditAction.DENIED] == 1
    assert counts[AuditAction.REFUSED] == 49


async def test_two_replicas_racing_have_one_winner(
    redis: aioredis.Redis, other_redis: aioredis.Redis, keys: Keys
) -> None:
    replica_a, replica_b = RequestStore(redis, keys), RequestStore(other_redis, keys)
    request, _ = await replica_a.create(make_request(), nonce=op(), ttl=TTL)
    calls = []
    for i, approver in enumerate(APPROVERS):
        replica = replica_a if i % 2 else replica_b
        if i % 3:
            calls.append(replica.approve(request.id, actor=approver, at=T0, op_id=op()))
        else:
            calls.append(replica.deny(request.id, actor=approver, at=T0, comment="no", op_id=op()))
    results = await asyncio.gather(*calls)
    assert outcomes(results) == {"applied": 1, Refusal.STALE: 49}
    audit = AuditLog(other_redis, keys)
    counts = await count_actions(audit)
    assert counts[AuditAction.APPROVED] + counts[AuditAction.DENIED] == 1
    assert counts[AuditAction.REFUSED] == 49
    check = await audit.verify()
    assert check.ok
    assert check.checked == 51


async def test_two_replicas_double_submitting_make_one_request(
    redis: aioredis.Redis, other_redis: aioredis.Redis, keys: Keys
) -> None:
    replica_a, replica_b = RequestStore(redis, keys), RequestStore(other_redis, keys)
    results = await asyncio.gather(
        *(
            (replica_a if i % 2 else replica_b).create(make_request(), nonce="one", ttl=TTL)
            for i in range(20)
        )
    )
    assert sum(created for _, created in results) == 1
    assert len({stored.id for stored, _ in results}) == 1
    assert await count_actions(AuditLog(redis, keys)) == {AuditAction.REQUESTED: 1}
