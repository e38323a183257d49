"""Withdrawing a request in Redis (``lua/request_cancel.lua``): only the requester, only while
pending or approved, atomic against approvals, claims and the expiry sweep, always audited."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import redis.asyncio as aioredis

from bot.domain.audit import AuditAction, Refusal
from bot.domain.models import RequestState
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.requests import RequestStore
from tests.store.conftest import REQUESTER, T0, TTL, count_actions, make_request, op

LATER = T0 + timedelta(minutes=5)


async def test_the_requester_withdraws_a_pending_request(
    store: RequestStore, audit: AuditLog
) -> None:
    request, _ = await store.create(make_request(), nonce=op(), ttl=TTL)

    done = await store.cancel(
        request.id, actor=REQUESTER, at=LATER, detail="changed mind", op_id=op()
    )

    assert done.applied and done.request is not None
    assert done.request.state is RequestState.CANCELLED
    assert done.request.cancelled_at == LATER
    assert await store.pending() == []
    entries = [e async for e in audit.iter_entries()]
    assert [(e.action, e.actor, e.detail) for e in entries][-1] == (
        AuditAction.CANCELLED,
        REQUESTER,
        "changed mind",
    )
    assert (await audit.verify()).ok


async def test_an_approved_request_can_be_withdrawn_until_it_is_being_collected(
    store: RequestStore, redis: aioredis.Redis, keys: Keys
) -> None:
    approved, _ = await store.create(make_request(), nonce=op(), ttl=TTL)
    await store.approve(approved.id, actor="U_APP", at=T0, op_id=op())
    collecting, _ = await store.create(make_request(), nonce=op(), ttl=TTL)
    await store.approve(collecting.id, actor="U_APP", at=T0, op_id=op())
    await store.claim(collecting.id, actor=REQUESTER, at=T0, stale_after=TTL, op_id=op())

    withdrawn = await store.cancel(approved.id, actor=REQUESTER, at=LATER, detail="", op_id=op())
    too_late = await store.cancel(collecting.id, actor=REQUESTER, at=LATER, detail="", op_id=op())

    assert withdrawn.applied
    assert await redis.zscore(keys.approved_index(), approved.id) is None  # no claim ttl to run
    assert (too_late.applied, too_late.refusal) == (False, Refusal.IN_PROGRESS)
    claim = await store.claim(approved.id, actor=REQUESTER, at=LATER, stale_after=TTL, op_id=op())
    assert (claim.applied, claim.refusal) == (False, Refusal.STALE)
    assert "withdrawn by the requester" in claim.detail


async def test_nobody_else_may_withdraw_and_the_attempt_is_audited(
    store: RequestStore, audit: AuditLog
) -> None:
    request, _ = await store.create(make_request(), nonce=op(), ttl=TTL)

    refused = await store.cancel(request.id, actor="U_OTHER", at=LATER, detail="", op_id=op())

    assert (refused.applied, refused.refusal) == (False, Refusal.NOT_REQUESTER)
    assert refused.request is not None and refused.request.state is RequestState.PENDING
    last = [e async for e in audit.iter_entries()][-1]
    assert (last.action, last.actor, last.outcome) == (AuditAction.REFUSED, "U_OTHER", "refused")
    assert "not_requester" in last.detail


@pytest.mark.parametrize("rounds", [20])
async def test_a_cancel_racing_approvals_a_deny_and_the_sweep_has_one_outcome(
    store: RequestStore, audit: AuditLog, rounds: int
) -> None:
    for _ in range(rounds):
        request, _ = await store.create(make_request(), nonce=op(), ttl=TTL)
        results = await asyncio.gather(
            store.deny(request.id, actor="U_APP2", at=LATER, comment="no", op_id=op()),
            store.cancel(request.id, actor=REQUESTER, at=LATER, detail="", op_id=op()),
            store.approve(request.id, actor="U_APP", at=LATER, op_id=op()),
            store.expire(request.id, at=LATER, reason="late", op_id=op()),
        )
        final = await store.get(request.id)
        assert final is not None
        applied = [
            name
            for name, r in zip(("deny", "cancel", "approve", "expire"), results, strict=True)
            if r.applied
        ]
        # one decision at most, and a cancel only on pending or approved: never two finals
        assert final.state in (RequestState.DENIED, RequestState.CANCELLED, RequestState.EXPIRED)
        finals = {
            "deny": RequestState.DENIED,
            "cancel": RequestState.CANCELLED,
            "expire": RequestState.EXPIRED,
        }
        assert [n for n in applied if n in finals] == [
            n for n, state in finals.items() if state is final.state
        ]
    counts = await count_actions(audit)
    assert (
        counts[AuditAction.CANCELLED] + counts[AuditAction.DENIED] + counts[AuditAction.EXPIRED]
        == rounds
    )
    assert (await audit.verify()).ok
