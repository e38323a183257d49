"""The lifecycle transitions against a real Redis: nudges whose delay doubles, an extension
applied by one caller, a rotation step claimed by one replica."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import redis.asyncio as aioredis

from bot.domain.models import RequestKind, TokenRequest
from bot.store.housekeeping import HousekeepingStore
from bot.store.keys import Keys
from bot.store.requests import RequestStore
from tests.store.conftest import REQUESTER, T0, TTL, make_request, op

HOUR = timedelta(hours=1)


async def test_nudges_are_due_after_a_doubling_delay(
    redis: aioredis.Redis, keys: Keys, pending: TokenRequest
) -> None:
    store = HousekeepingStore(redis, keys)

    async def nudge(at: timedelta) -> bool:
        t = await store.nudge(pending.id, at=T0 + at, created_at=T0, after=4 * HOUR, op_id=op())
        return t.applied

    assert [await nudge(h * HOUR) for h in (3, 4, 4, 11, 12, 27, 28)] == [
        False, True, False, False, True, False, True,
    ]  # fmt: skip


async def test_one_of_many_concurrent_nudges_applies(
    redis: aioredis.Redis, other_redis: aioredis.Redis, keys: Keys, pending: TokenRequest
) -> None:
    stores = [HousekeepingStore(redis, keys), HousekeepingStore(other_redis, keys)]
    results = await asyncio.gather(
        *(
            s.nudge(pending.id, at=T0 + 5 * HOUR, created_at=T0, after=4 * HOUR, op_id=op())
            for s in stores * 5
        )
    )
    assert [r.detail for r in results if r.applied] == ["1"]


async def test_a_rotation_step_is_claimed_once(
    redis: aioredis.Redis, other_redis: aioredis.Redis, keys: Keys
) -> None:
    requests = RequestStore(redis, keys)
    rotation = make_request().model_copy(
        update={"kind": RequestKind.ROTATE, "target_token_id": "old-1"}
    )
    await requests.create(rotation, nonce=op(), ttl=TTL)
    await requests.approve(rotation.id, actor="U_BOSS", at=T0, op_id=op())
    await requests.claim(rotation.id, actor=REQUESTER, at=T0, stale_after=HOUR, op_id=op())
    done = await requests.complete(
        rotation.id, actor=REQUESTER, at=T0, token_id="new-1", token_name="ci-r2", op_id=op()
    )
    assert done.applied
    stores = [HousekeepingStore(redis, keys), HousekeepingStore(other_redis, keys)]
    assert await stores[0].rotation_ids(since_before=T0 + HOUR) == [rotation.id]

    async def claim(store: HousekeepingStore) -> bool:
        t = await store.claim_rotation_step(
            rotation.id,
            actor="regbot",
            at=T0 + 25 * HOUR,
            stage="live",
            stale_after=timedelta(minutes=2),
            due_before=T0 + HOUR,
            op_id=op(),
        )
        return t.applied

    assert sorted(await asyncio.gather(*(claim(s) for s in stores * 4))) == [False] * 7 + [True]
    finished = await stores[1].finish_rotation_step(
        rotation.id,
        actor="regbot",
        at=T0 + 25 * HOUR,
        stage="live",
        reached="disabled",
        action="disabled",
        detail="grace passed",
        op_id=op(),
    )
    assert finished.applied
    assert await stores[0].rotation_stage(rotation.id) == "disabled"
    assert await stores[0].rotation_ids(since_before=T0 + 24 * HOUR) == []  # the next step:
    assert await stores[0].rotation_ids(since_before=T0 + 49 * HOUR) == [rotation.id]  # later
