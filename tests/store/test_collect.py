"""Claim, complete and release: collecting an approved token."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import redis.asyncio as aioredis

from bot.domain.audit import AuditAction, Outcome, Refusal
from bot.domain.models import RequestState, TokenRequest
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.ownership import OwnershipStore, TokenOwnership
from bot.store.requests import RequestStore
from tests.store.conftest import REQUESTER, T0, TTL, count_actions, make_request, op

STALE_AFTER = timedelta(minutes=5)


async def approved(store: RequestStore) -> TokenRequest:
    request, _ = await store.create(make_request(), nonce=op(), ttl=TTL)
    t = await store.approve(request.id, actor="U_BOSS", at=T0, op_id=op())
    assert t.request is not None
    return t.request


async def test_claim_then_complete_writes_ownership(
    store: RequestStore, audit: AuditLog, ownership: OwnershipStore
) -> None:
    request = await approved(store)
    at = T0 + timedelta(minutes=1)
    claim = await store.claim(
        request.id, actor=REQUESTER, at=at, stale_after=STALE_AFTER, op_id=op()
    )
    assert claim.applied
    assert claim.request is not None
    assert claim.request.state is RequestState.COLLECTING
    done = await store.complete(
        request.id, actor=REQUESTER, at=at, token_id="tok-1", token_name="ci-pull", op_id=op()
    )
    assert done.applied
    assert done.request is not None
    assert (done.request.state, done.request.token_id) == (RequestState.COLLECTED, "tok-1")
    expected = TokenOwnership(
        token_id="tok-1",
        owner=REQUESTER,
        registry_id="reg-1",
        registry_name="acme",
        token_name="ci-pull",
        request_id=request.id,
        created_at=at,
    )
    assert await ownership.get("tok-1") == expected
    assert await ownership.of_user(REQUESTER) == [expected]
    delivered, created = await audit.latest(2)
    assert (created.action, created.token, delivered.action) == (
        AuditAction.CREATED,
        "tok-1",
        AuditAction.DELIVERED,
    )
    again = await store.claim(
        request.id, actor=REQUESTER, at=at, stale_after=STALE_AFTER, op_id=op()
    )
    assert again.refusal is Refusal.STALE
    assert "already collected" in again.detail


async def test_only_the_requester_may_claim(store: RequestStore, audit: AuditLog) -> None:
    request = await approved(store)
    t = await store.claim(request.id, actor="U_OTHER", at=T0, stale_after=STALE_AFTER, op_id=op())
    assert t.refusal is Refusal.NOT_REQUESTER
    assert t.request is not None
    assert t.request.state is RequestState.APPROVED
    [entry] = await audit.latest(1)
    assert (entry.action, entry.actor) == (AuditAction.REFUSED, "U_OTHER")


async def test_a_double_click_is_in_progress_and_not_audited(
    store: RequestStore, audit: AuditLog
) -> None:
    request = await approved(store)
    results = await asyncio.gather(
        *(
            store.claim(request.id, actor=REQUESTER, at=T0, stale_after=STALE_AFTER, op_id=op())
            for _ in range(10)
        )
    )
    assert sum(t.applied for t in results) == 1
    assert {t.refusal for t in results if not t.applied} == {Refusal.IN_PROGRESS}
    counts = await count_actions(audit)
    assert (counts[AuditAction.CLAIMED], counts[AuditAction.REFUSED]) == (1, 0)


async def test_a_stale_claim_can_be_claimed_again(store: RequestStore, audit: AuditLog) -> None:
    request = await approved(store)
    await store.claim(request.id, actor=REQUESTER, at=T0, stale_after=STALE_AFTER, op_id=op())
    later = T0 + STALE_AFTER + timedelta(seconds=1)
    t = await store.claim(
        request.id, actor=REQUESTER, at=later, stale_after=STALE_AFTER, op_id=op()
    )
    assert t.applied
    [entry] = await audit.latest(1)
    assert entry.action == AuditAction.CLAIMED
    assert "re-claimed" in entry.detail


async def test_release_returns_to_approved_and_can_be_claimed_again(
    store: RequestStore, audit: AuditLog
) -> None:
    request = await approved(store)
    await store.claim(request.id, actor=REQUESTER, at=T0, stale_after=STALE_AFTER, op_id=op())
    t = await store.release(
        request.id,
        actor=REQUESTER,
        at=T0,
        action=AuditAction.CREATION_FAILED,
        detail="registry answered 503",
        op_id=op(),
    )
    assert t.applied
    assert t.request is not None
    assert t.request.state is RequestState.APPROVED
    [entry] = await audit.latest(1)
    assert (entry.action, entry.outcome, entry.detail) == (
        AuditAction.CREATION_FAILED,
        Outcome.FAILED,
        "registry answered 503",
    )
    retry = await store.claim(
        request.id, actor=REQUESTER, at=T0, stale_after=STALE_AFTER, op_id=op()
    )
    assert retry.applied


async def test_complete_needs_a_claim(store: RequestStore, ownership: OwnershipStore) -> None:
    request = await approved(store)
    t = await store.complete(
        request.id, actor=REQUESTER, at=T0, token_id="tok-x", token_name="x1", op_id=op()
    )
    assert t.refusal is Refusal.STALE
    assert await ownership.get("tok-x") is None
    unknown = await store.complete(
        "missing", actor=REQUESTER, at=T0, token_id="tok-y", token_name="y1", op_id=op()
    )
    assert unknown.refusal is Refusal.UNKNOWN_REQUEST


async def test_ownership_record_move_and_forget(
    ownership: OwnershipStore, redis: aioredis.Redis, keys: Keys
) -> None:
    token = TokenOwnership(
        token_id="tok-9",
        owner="U_A",
        registry_id="reg-1",
        registry_name="acme",
        token_name="adopted",
        request_id="",
        created_at=T0,
    )
    await ownership.record(token)
    moved = token.model_copy(update={"owner": "U_B"})
    await ownership.record(moved)
    assert await ownership.get("tok-9") == moved
    assert await ownership.of_user("U_A") == []
    assert await ownership.of_user("U_B") == [moved]
    await ownership.forget("tok-9")
    assert await ownership.get("tok-9") is None
    assert await ownership.of_user("U_B") == []
    assert await redis.exists(keys.user_tokens("U_B")) == 0
