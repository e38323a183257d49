"""Creating, reading, approving and denying requests against a real Redis."""

from __future__ import annotations

from datetime import timedelta

import redis.asyncio as aioredis

from bot.domain.audit import AuditAction, Outcome, Refusal
from bot.domain.models import RequestState, TokenRequest
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.requests import RequestStore
from tests.store.conftest import REQUESTER, T0, TTL, count_actions, make_ask, make_request, op


async def test_create_and_get_round_trip(
    store: RequestStore, redis: aioredis.Redis, keys: Keys
) -> None:
    request = make_request(quorum=2)
    stored, created = await store.create(request, nonce="n1", ttl=TTL)
    assert created
    assert stored == request
    assert await store.get(request.id) == request
    assert [r.id for r in await store.pending()] == [request.id]
    assert [r.id for r in await store.of_requester(REQUESTER)] == [request.id]
    ttl_left = await redis.pttl(keys.request(request.id))
    assert TTL.total_seconds() * 1000 < ttl_left <= (TTL + timedelta(days=1)).total_seconds() * 1000


async def test_get_unknown_request_is_none(store: RequestStore) -> None:
    assert await store.get("nope") is None


async def test_double_submit_with_one_nonce_makes_one_request(
    store: RequestStore, audit: AuditLog
) -> None:
    first, second = make_request(), make_request()
    stored_first, created_first = await store.create(first, nonce="same", ttl=TTL)
    stored_second, created_second = await store.create(second, nonce="same", ttl=TTL)
    assert (created_first, created_second) == (True, False)
    assert stored_second == stored_first == first
    assert await store.get(second.id) is None
    assert await count_actions(audit) == {AuditAction.REQUESTED: 1}


async def test_our_own_create_arriving_twice_still_counts_as_created(store: RequestStore) -> None:
    request = make_request()
    await store.create(request, nonce="n", ttl=TTL)
    stored, created = await store.create(request, nonce="n", ttl=TTL)
    assert created
    assert stored == request


async def test_approve_happy_path(
    store: RequestStore, audit: AuditLog, pending: TokenRequest
) -> None:
    t = await store.approve(pending.id, actor="U_BOSS", at=T0, comment="fine", op_id=op())
    assert t.applied
    assert t.refusal is None
    assert t.approvals == 1
    assert t.request is not None
    assert t.request.state is RequestState.APPROVED
    assert (t.request.decided_by, t.request.decided_at, t.request.comment) == ("U_BOSS", T0, "fine")
    assert [a.user_id for a in t.request.approvals] == ["U_BOSS"]
    assert await store.pending() == []
    [entry] = await audit.latest(1)
    assert (entry.action, entry.outcome, entry.actor) == (
        AuditAction.APPROVED,
        Outcome.OK,
        "U_BOSS",
    )
    assert (entry.request_id, entry.registry) == (pending.id, "reg-1")


async def test_self_approval_is_refused_and_audited(
    store: RequestStore, audit: AuditLog, pending: TokenRequest
) -> None:
    t = await store.approve(pending.id, actor=REQUESTER, at=T0, op_id=op())
    assert not t.applied
    assert t.refusal is Refusal.SELF_APPROVAL
    assert t.request is not None
    assert t.request.state is RequestState.PENDING
    [entry] = await audit.latest(1)
    assert (entry.action, entry.outcome) == (AuditAction.REFUSED, Outcome.REFUSED)
    assert "self_approval" in entry.detail


async def test_stale_approve_after_deny_says_who_decided(
    store: RequestStore, audit: AuditLog, pending: TokenRequest
) -> None:
    denied = await store.deny(pending.id, actor="U_NO", at=T0, comment="not now", op_id=op())
    assert denied.applied
    assert denied.request is not None
    assert denied.request.state is RequestState.DENIED
    t = await store.approve(pending.id, actor="U_YES", at=T0 + timedelta(minutes=1), op_id=op())
    assert not t.applied
    assert t.refusal is Refusal.STALE
    assert "already denied by U_NO at 2026-11-26T12:00" in t.detail
    [refused, deny] = await audit.latest(2)
    assert (deny.action, deny.detail) == (AuditAction.DENIED, "not now")
    assert refused.outcome == Outcome.REFUSED
    assert "already denied by U_NO" in refused.detail


async def test_deny_by_the_requester_is_refused(store: RequestStore, pending: TokenRequest) -> None:
    t = await store.deny(pending.id, actor=REQUESTER, at=T0, comment="x", op_id=op())
    assert t.refusal is Refusal.SELF_APPROVAL


async def test_quorum_of_two_needs_two_different_approvers(
    store: RequestStore, audit: AuditLog
) -> None:
    request, _ = await store.create(make_request(quorum=2), nonce=op(), ttl=TTL)
    first = await store.approve(request.id, actor="U_A", at=T0, op_id=op())
    assert first.applied
    assert first.approvals == 1
    assert first.request is not None
    assert first.request.state is RequestState.PENDING
    again = await store.approve(request.id, actor="U_A", at=T0, op_id=op())
    assert not again.applied
    assert again.refusal is Refusal.ALREADY_APPROVED_BY_YOU
    assert again.approvals == 1
    second = await store.approve(request.id, actor="U_B", at=T0 + timedelta(seconds=5), op_id=op())
    assert second.applied
    assert second.approvals == 2
    assert second.request is not None
    assert second.request.state is RequestState.APPROVED
    assert second.request.decided_by == "U_B"
    assert [a.user_id for a in second.request.approvals] == ["U_A", "U_B"]
    assert await count_actions(audit) == {
        AuditAction.REQUESTED: 1,
        AuditAction.APPROVAL_RECORDED: 1,
        AuditAction.REFUSED: 1,
        AuditAction.APPROVED: 1,
    }


async def test_narrowing_replaces_the_ask(
    store: RequestStore, audit: AuditLog, pending: TokenRequest
) -> None:
    narrower = make_ask(repository="app/web", token_name=pending.ask.token_name)
    t = await store.approve(
        pending.id,
        actor="U_BOSS",
        at=T0,
        ask=narrower,
        narrowed="only app/web",
        version=pending.version,
        op_id=op(),
    )
    assert t.request is not None
    assert t.request.ask == narrower
    assert t.request.narrowed == "only app/web"
    stored = await store.get(pending.id)
    assert stored is not None
    assert stored.ask == narrower
    [entry] = await audit.latest(1)
    assert "narrowed: only app/web" in entry.detail


async def test_the_same_op_id_applies_once_with_the_same_answer(
    store: RequestStore, audit: AuditLog
) -> None:
    request, _ = await store.create(make_request(quorum=2), nonce=op(), ttl=TTL)
    op_id = op()
    first = await store.approve(request.id, actor="U_A", at=T0, op_id=op_id)
    second = await store.approve(request.id, actor="U_A", at=T0, op_id=op_id)
    assert first == second
    assert first.applied
    assert second.approvals == 1
    assert await count_actions(audit) == {
        AuditAction.REQUESTED: 1,
        AuditAction.APPROVAL_RECORDED: 1,
    }


async def test_a_repeated_refusal_is_audited_once(
    store: RequestStore, audit: AuditLog, pending: TokenRequest
) -> None:
    op_id = op()
    first = await store.approve(pending.id, actor=REQUESTER, at=T0, op_id=op_id)
    second = await store.approve(pending.id, actor=REQUESTER, at=T0, op_id=op_id)
    assert first == second
    assert (await count_actions(audit))[AuditAction.REFUSED] == 1


async def test_transitions_on_an_unknown_request(store: RequestStore, audit: AuditLog) -> None:
    t = await store.approve("missing", actor="U_A", at=T0, op_id=op())
    assert (t.applied, t.request, t.refusal) == (False, None, Refusal.UNKNOWN_REQUEST)
    assert await audit.latest() == []


async def test_expire_pending_then_late_expire_writes_nothing(
    store: RequestStore, audit: AuditLog, pending: TokenRequest
) -> None:
    t = await store.expire(pending.id, at=T0 + TTL, reason="nobody decided", op_id=op())
    assert t.applied
    assert t.request is not None
    assert t.request.state is RequestState.EXPIRED
    assert await store.pending() == []
    late = await store.expire(pending.id, at=T0 + TTL, reason="again", op_id=op())
    assert late.refusal is Refusal.STALE
    assert await count_actions(audit) == {AuditAction.REQUESTED: 1, AuditAction.EXPIRED: 1}
    stale = await store.approve(pending.id, actor="U_A", at=T0 + TTL, op_id=op())
    assert stale.detail.startswith("already expired at 2026-11-29T12:00")


async def test_final_state_keeps_the_record_for_the_retention(
    redis: aioredis.Redis, keys: Keys
) -> None:
    store = RequestStore(redis, keys, retention=timedelta(days=7))
    request, _ = await store.create(make_request(), nonce=op(), ttl=TTL)
    await store.deny(request.id, actor="U_NO", at=T0, comment="no", op_id=op())
    assert (
        0 < await redis.pttl(keys.request(request.id)) <= timedelta(days=7).total_seconds() * 1000
    )


async def test_slack_message_references(store: RequestStore, pending: TokenRequest) -> None:
    await store.set_approval_message(pending.id, "C_APPROVERS", "1700000000.000100")
    await store.set_requester_channel(pending.id, "D_REQ")
    stored = await store.get(pending.id)
    assert stored is not None
    assert (stored.approval_channel, stored.approval_ts, stored.requester_channel) == (
        "C_APPROVERS",
        "1700000000.000100",
        "D_REQ",
    )


async def test_audit_refusal_decided_outside_redis(
    store: RequestStore, audit: AuditLog, pending: TokenRequest
) -> None:
    await store.audit_refusal(
        pending.id, actor="U_X", at=T0, refusal=Refusal.NOT_APPROVER, detail="not in @approvers"
    )
    [entry] = await audit.latest(1)
    assert (entry.action, entry.outcome, entry.registry) == (
        AuditAction.REFUSED,
        Outcome.REFUSED,
        "reg-1",
    )
    assert entry.detail == "not_approver: not in @approvers"
