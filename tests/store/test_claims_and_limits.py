"""Store-level races for issue #11: a token name held by one request at a time per registry
(then by its token), the per-person limit on open requests, and narrowings applied only to
the version they were made from — each an atomic step in Redis, raced from two clients."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Literal

import pytest
import redis.asyncio as aioredis

from bot.domain.audit import AuditAction, Refusal
from bot.domain.errors import NameTaken, StoreUnavailable, TooManyOpen
from bot.domain.models import Action, RepoScope, RequestKind, TokenRequest
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.ownership import GRACE, OwnershipStore
from bot.store.requests import RequestStore, Transition
from tests.store.conftest import T0, TTL, count_actions, make_ask, make_request, op


def _named(name: str, requester: str, **kwargs: object) -> TokenRequest:
    request = make_request(requester=requester, **kwargs)  # type: ignore[arg-type]
    return request.model_copy(update={"ask": make_ask(token_name=name)})


async def _created(store: RequestStore, request: TokenRequest, **kwargs: object) -> bool:
    try:
        _, created = await store.create(request, nonce=op(), ttl=TTL, **kwargs)  # type: ignore[arg-type]
    except (NameTaken, TooManyOpen):
        return False
    return created


async def test_one_request_at_a_time_holds_a_name_on_a_registry(
    redis: aioredis.Redis, other_redis: aioredis.Redis, keys: Keys, audit: AuditLog
) -> None:
    stores = [RequestStore(redis, keys), RequestStore(other_redis, keys)]
    requests = [_named("ci-push", f"U{n}") for n in range(40)]
    results = await asyncio.gather(*(_created(stores[n % 2], r) for n, r in enumerate(requests)))
    assert results.count(True) == 1
    winner = requests[results.index(True)]
    name_key = keys.name_claim("reg-1", "ci-push")
    assert await redis.get(name_key) == f"req:{winner.id}"
    counts = await count_actions(audit)
    assert counts[AuditAction.REQUESTED] == 1 and counts[AuditAction.REFUSED] == 39
    # an extension makes no token: it reserves nothing and is not refused for the name
    extension = _named("ci-push", "U99").model_copy(update={"kind": RequestKind.EXTEND})
    assert await _created(stores[0], extension)


async def test_the_name_goes_from_request_to_token_and_is_freed_at_the_end(
    store: RequestStore, redis: aioredis.Redis, keys: Keys, ownership: OwnershipStore
) -> None:
    name_key = keys.name_claim("reg-1", "ci-push")
    denied = _named("ci-push", "U1")
    assert await _created(store, denied)
    await store.deny(denied.id, actor="U_BOSS", at=T0, comment="no", op_id=op())
    assert await redis.get(name_key) is None  # denied: free

    expired = _named("ci-push", "U2")
    assert await _created(store, expired)
    await store.approve(expired.id, actor="U_BOSS", at=T0, op_id=op())
    assert await redis.get(name_key) == f"req:{expired.id}"  # approved: still held
    await store.expire(expired.id, at=T0, reason="not collected", op_id=op())
    assert await redis.get(name_key) is None

    collected = _named("ci-push", "U3")
    assert await _created(store, collected)
    await store.approve(collected.id, actor="U_BOSS", at=T0, op_id=op())
    await store.claim(
        collected.id, actor="U3", at=T0, stale_after=timedelta(minutes=15), op_id=op()
    )
    done = await store.complete(
        collected.id, actor="U3", at=T0, token_id="tok-1", token_name="ci-push", op_id=op()
    )
    assert done.applied and done.request is not None
    assert done.request.create_attempted_at == T0  # recorded before IONOS was asked
    assert await redis.get(name_key) == "token:tok-1"
    assert not await _created(store, _named("CI-PUSH", "U4"))  # the token holds it
    expiry = T0 + timedelta(days=400)
    await ownership.keep_until("tok-1", expiry)
    assert await redis.pexpiretime(name_key) == int(expiry.timestamp() * 1000)
    await ownership.forget("tok-1")  # deleted: the name is free again
    assert await redis.get(name_key) is None
    assert await _created(store, _named("ci-push", "U4"))


async def _collected(
    store: RequestStore,
    name: str,
    requester: str,
    token_id: str,
    keep_until: datetime | Literal[False] | None = False,
) -> Transition:
    """Create, approve, claim and complete; with `keep_until`, as the delivery completes."""
    request = _named(name, requester)
    assert await _created(store, request)
    await store.approve(request.id, actor="U_BOSS", at=T0, op_id=op())
    await store.claim(
        request.id, actor=requester, at=T0, stale_after=timedelta(minutes=15), op_id=op()
    )
    return await store.complete(
        request.id,
        actor=requester,
        at=T0,
        token_id=token_id,
        token_name=name,
        op_id=op(),
        requester=None if keep_until is False else requester,
        keep_until=keep_until,
    )


async def test_complete_sets_the_ends_keep_until_would_in_the_same_step(
    store: RequestStore, redis: aioredis.Redis, keys: Keys, ownership: OwnershipStore
) -> None:
    """The delivery passes the token's expiry to `complete` (#17: one round trip, not three);
    the ownership record and the name claim end exactly where `OwnershipStore.keep_until`
    puts them, for a token that expires and for one that never does."""
    expiry = T0 + timedelta(days=400)
    done = await _collected(store, "ends-a", "U1", "tok-a", keep_until=expiry)
    assert done.applied
    await _collected(store, "ends-b", "U2", "tok-b")  # the old way: then keep_until
    await ownership.keep_until("tok-b", expiry)
    for token, name in (("tok-a", "ends-a"), ("tok-b", "ends-b")):
        owner_end = await redis.pexpiretime(keys.token_owner(token))
        assert abs(owner_end - int((expiry + GRACE).timestamp() * 1000)) <= 1
        assert await redis.pexpiretime(keys.name_claim("reg-1", name)) == int(
            expiry.timestamp() * 1000
        )
    never = await _collected(store, "ends-c", "U3", "tok-c", keep_until=None)
    assert never.applied and (await ownership.get("tok-c")) is not None
    assert await redis.pexpiretime(keys.token_owner("tok-c")) == -1
    assert await redis.pexpiretime(keys.name_claim("reg-1", "ends-c")) == -1
    assert await redis.get(keys.name_claim("reg-1", "ends-c")) == "token:tok-c"


async def test_complete_refuses_a_requester_that_is_not_the_stored_one(
    store: RequestStore, redis: aioredis.Redis, keys: Keys
) -> None:
    request = _named("wrong-owner", "U1")
    assert await _created(store, request)
    await store.approve(request.id, actor="U_BOSS", at=T0, op_id=op())
    await store.claim(request.id, actor="U1", at=T0, stale_after=timedelta(minutes=15), op_id=op())
    with pytest.raises(StoreUnavailable):  # the script refused: a Redis error reply
        await store.complete(
            request.id,
            actor="U1",
            at=T0,
            token_id="tok-w",
            token_name="wrong-owner",
            op_id=op(),
            requester="U_EVIL",
        )
    assert await redis.exists(keys.token_owner("tok-w")) == 0
    assert await redis.smembers(keys.user_tokens("U_EVIL")) == set()


async def test_create_answers_the_request_as_stored(store: RequestStore) -> None:
    request = _named("as-stored", "U1")
    stored, created = await store.create(request, nonce=op(), ttl=TTL)
    assert created and stored == await store.get(request.id)


async def test_open_requests_per_person_are_counted_atomically(
    redis: aioredis.Redis, other_redis: aioredis.Redis, keys: Keys
) -> None:
    stores = [RequestStore(redis, keys), RequestStore(other_redis, keys)]
    requests = [_named(f"flood-{n}", "U_FLOOD") for n in range(20)]
    results = await asyncio.gather(
        *(_created(stores[n % 2], r, max_open=5) for n, r in enumerate(requests))
    )
    assert results.count(True) == 5
    assert await _created(stores[0], _named("elsewhere", "U_OTHER"), max_open=5)
    first = requests[results.index(True)]
    await stores[0].deny(first.id, actor="U_BOSS", at=T0, comment="no", op_id=op())
    assert await _created(stores[1], _named("flood-again", "U_FLOOD"), max_open=5)
    assert not await _created(stores[1], _named("flood-more", "U_FLOOD"), max_open=5)


async def test_two_narrowings_from_one_version_apply_once(
    redis: aioredis.Redis, other_redis: aioredis.Redis, keys: Keys
) -> None:
    stores = [RequestStore(redis, keys), RequestStore(other_redis, keys)]
    request, _ = await stores[0].create(make_request(quorum=3), nonce=op(), ttl=TTL)
    pull = frozenset({Action.PULL})
    narrowings = [
        request.ask.model_copy(update={"scopes": [RepoScope(repository="*", actions=pull)]}),
        request.ask.model_copy(update={"expiry": T0 + timedelta(days=1)}),
    ]
    results = await asyncio.gather(
        *(
            stores[n].approve(
                request.id,
                actor=f"U_APP{n}",
                at=T0,
                ask=ask,
                narrowed=f"narrowing {n}",
                version=request.version,
                op_id=op(),
            )
            for n, ask in enumerate(narrowings)
        )
    )
    applied = [r for r in results if r.applied]
    refused = [r for r in results if not r.applied]
    assert len(applied) == 1 and len(refused) == 1
    assert refused[0].refusal is Refusal.STALE_VIEW
    stored = await stores[0].get(request.id)
    assert stored is not None and stored.version == 1
    assert stored.ask == narrowings[results.index(applied[0])]  # the other did not overwrite
    assert len(stored.approvals) == 1
    # the approver refused narrows again from the current version: that applies
    loser = f"U_APP{results.index(refused[0])}"
    again = await stores[1].approve(
        request.id,
        actor=loser,
        at=T0,
        ask=stored.ask.model_copy(update={"reason": "narrowed once more"}),
        narrowed="narrowing again",
        version=stored.version,
        op_id=op(),
    )
    assert again.applied and again.request is not None and again.request.version == 2
    assert again.request.narrowed is not None and "narrowing again" in again.request.narrowed
