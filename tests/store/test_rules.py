"""The policy rules' Redis steps under races: a rule's daily cap cannot be passed by racing
submissions from two replicas, a nonce makes one request, a break-glass review and an
escalation each happen once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import redis.asyncio as aioredis

from bot.domain.models import RequestState, TokenRequest
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.requests import RequestStore
from bot.store.rules import RulesStore
from tests.store.conftest import T0, TTL, count_actions, make_request, op


def rules_store(redis: aioredis.Redis, keys: Keys) -> RulesStore:
    return RulesStore(redis, keys, RequestStore(redis, keys))


async def _auto(store: RulesStore, request: TokenRequest, cap: int = 3) -> TokenRequest:
    made = await store.create_decided(
        request, nonce=op(), ttl=TTL, decided_by="regbot", detail="auto", rule="short", cap=cap
    )
    assert made.created
    return made.request


async def test_racing_submissions_cannot_pass_the_daily_cap(
    redis: aioredis.Redis, other_redis: aioredis.Redis, keys: Keys, audit: AuditLog
) -> None:
    replicas = [rules_store(redis, keys), rules_store(other_redis, keys)]
    made = await asyncio.gather(*(_auto(replicas[i % 2], make_request()) for i in range(20)))

    states = [r.state for r in made]
    assert states.count(RequestState.APPROVED) == 3
    assert states.count(RequestState.PENDING) == 17
    assert all(r.auto_rule == "short" for r in made if r.state is RequestState.APPROVED)
    assert all(r.auto_rule is None for r in made if r.state is RequestState.PENDING)
    assert len(await redis.zrange(keys.approved_index(), 0, -1)) == 3
    assert len(await redis.zrange(keys.pending_index(), 0, -1)) == 17
    counts = await count_actions(audit)
    assert (counts["requested"], counts["approved"]) == (20, 3)


async def test_the_cap_counts_per_person_and_per_day(redis: aioredis.Redis, keys: Keys) -> None:
    store = rules_store(redis, keys)
    for _ in range(2):
        await _auto(store, make_request(requester="U_ONE"), cap=2)
    assert (await _auto(store, make_request(requester="U_ONE"), cap=2)).state == "pending"
    assert (await _auto(store, make_request(requester="U_TWO"), cap=2)).state == "approved"
    tomorrow = make_request(requester="U_ONE").model_copy(
        update={"created_at": T0 + timedelta(days=1)}
    )
    assert (await _auto(store, tomorrow, cap=2)).state == "approved"


async def test_a_nonce_makes_one_request(redis: aioredis.Redis, keys: Keys) -> None:
    store = rules_store(redis, keys)
    first, again = make_request(), make_request()
    one = await store.create_decided(first, nonce="n-1", ttl=TTL, decided_by="U", detail="x")
    two = await store.create_decided(again, nonce="n-1", ttl=TTL, decided_by="U", detail="x")
    assert one.created and not two.created and two.request.id == first.id


async def test_a_break_glass_review_happens_once(
    redis: aioredis.Redis, other_redis: aioredis.Redis, keys: Keys, audit: AuditLog
) -> None:
    store = rules_store(redis, keys)
    made = await store.create_decided(
        make_request(), nonce=op(), ttl=TTL, decided_by="U_REQ", detail="bg", break_glass=True
    )
    request = made.request
    assert request.break_glass and await store.unreviewed() == [request]

    replicas = [store, rules_store(other_redis, keys)]
    results = await asyncio.gather(
        *(
            replicas[i % 2].review(
                request, verb=verb, actor=f"U_APP{i}", at=T0, detail="", op_id=op()
            )
            for i, verb in enumerate(["acknowledge", "revoke"] * 4)
        )
    )
    assert sum(r.applied for r in results) == 1
    assert await store.unreviewed() == []
    counts = await count_actions(audit)
    assert counts["acknowledged"] + counts["revoked"] == 1
    assert counts["refused"] == 7  # each late click is on the record


async def test_the_requester_cannot_acknowledge_their_own_break_glass(
    redis: aioredis.Redis, keys: Keys
) -> None:
    store = rules_store(redis, keys)
    made = await store.create_decided(
        make_request(), nonce=op(), ttl=TTL, decided_by="U_REQ", detail="bg", break_glass=True
    )
    result = await store.review(
        made.request, verb="acknowledge", actor="U_REQ", at=T0, detail="", op_id=op()
    )
    assert not result.applied and result.refusal == "self_approval"


async def test_an_escalation_happens_once_and_only_when_due(
    redis: aioredis.Redis, other_redis: aioredis.Redis, keys: Keys, audit: AuditLog
) -> None:
    store = rules_store(redis, keys)
    request, _ = await RequestStore(redis, keys).create(make_request(), nonce=op(), ttl=TTL)
    after = timedelta(hours=8)
    early = await store.escalate(request, at=T0 + after / 2, after=after, to="U_ON", op_id=op())
    assert not early.applied

    replicas = [store, rules_store(other_redis, keys)]
    results = await asyncio.gather(
        *(
            replicas[i % 2].escalate(request, at=T0 + after, after=after, to="U_ON", op_id=op())
            for i in range(10)
        )
    )
    assert sum(r.applied for r in results) == 1
    assert (await count_actions(audit))["escalated"] == 1
