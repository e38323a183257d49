"""Sentinel: after a whole request's life, nothing stored anywhere mentions a password."""

from __future__ import annotations

from datetime import timedelta

import redis.asyncio as aioredis

from bot.domain.audit import AuditAction
from bot.store.keys import Keys
from bot.store.ownership import OwnershipStore, TokenOwnership
from bot.store.requests import RequestStore
from tests.store.conftest import REQUESTER, T0, TTL, make_request, op


async def everything_stored(redis: aioredis.Redis, keys: Keys) -> list[str]:
    texts: list[str] = []
    async for key in redis.scan_iter(match=keys.pattern()):
        texts.append(key)
        kind = await redis.type(key)
        if kind == "hash":
            texts += [t for kv in (await redis.hgetall(key)).items() for t in kv]
        elif kind == "string":
            texts.append(await redis.get(key))
        elif kind == "set":
            texts += await redis.smembers(key)
        elif kind == "zset":
            texts += await redis.zrange(key, 0, -1)
        elif kind == "stream":
            for _, fields in await redis.xrange(key):
                texts += [t for kv in fields.items() for t in kv]
        else:
            raise AssertionError(f"unexpected {kind} at {key}")
    return texts


async def test_nothing_stored_mentions_a_password(redis: aioredis.Redis, keys: Keys) -> None:
    store, owners = RequestStore(redis, keys), OwnershipStore(redis, keys)
    request, _ = await store.create(make_request(), nonce=op(), ttl=TTL)
    await store.approve(request.id, actor="U_BOSS", at=T0, op_id=op())
    stale = timedelta(minutes=5)
    await store.claim(request.id, actor=REQUESTER, at=T0, stale_after=stale, op_id=op())
    await store.release(
        request.id,
        actor=REQUESTER,
        at=T0,
        action=AuditAction.ROLLED_BACK,
        detail="DM failed",
        op_id=op(),
    )
    await store.claim(request.id, actor=REQUESTER, at=T0, stale_after=stale, op_id=op())
    await store.complete(
        request.id, actor=REQUESTER, at=T0, token_id="tok-1", token_name="ci-pull", op_id=op()
    )
    await owners.record(
        TokenOwnership(
            token_id="tok-2",
            owner="U_X",
            registry_id="reg-1",
            registry_name="acme",
            token_name="adopted",
            request_id="",
            created_at=T0,
        )
    )
    stored = await everything_stored(redis, keys)
    assert len(stored) > 50
    assert not [text for text in stored if "password" in text.lower()]
