"""The sweep lock: one holder; only the holder renews or releases; an expired lock is taken
over and its old holder cannot delete the new holder's."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import redis.asyncio as aioredis

from bot.store.keys import Keys
from bot.store.locks import LockBusy, RedisLock

pytestmark = pytest.mark.reliability

LONG = timedelta(seconds=30)


async def gone(redis: aioredis.Redis, key: str) -> None:
    """Wait (bounded) until Redis has expired `key`: Redis TTLs run on the server's clock."""
    async with asyncio.timeout(5):
        while await redis.exists(key):
            await asyncio.sleep(0.01)


async def test_only_the_holder_renews_and_releases(redis: aioredis.Redis, keys: Keys) -> None:
    holder = RedisLock(redis, keys, "sweep", LONG)
    other = RedisLock(redis, keys, "sweep", LONG)
    assert await holder.acquire()
    assert not await other.acquire()
    assert not await other.renew()
    assert not await other.release()
    assert await redis.exists(holder.key)
    assert await holder.renew()
    assert 29_000 < await redis.pttl(holder.key) <= 30_000
    assert await holder.release()
    assert not await redis.exists(holder.key)
    assert await other.acquire()  # free again


async def test_holder_value_is_random_and_long(redis: aioredis.Redis, keys: Keys) -> None:
    a, b = RedisLock(redis, keys, "x", LONG), RedisLock(redis, keys, "y", LONG)
    await a.acquire()
    await b.acquire()
    va, vb = await redis.get(a.key), await redis.get(b.key)
    assert isinstance(va, str) and isinstance(vb, str)
    assert va != vb and len(va) >= 40  # 20 random bytes, hex


async def test_expired_lock_is_taken_over_and_the_old_holder_cannot_delete_it(
    redis: aioredis.Redis, keys: Keys
) -> None:
    old = RedisLock(redis, keys, "sweep", timedelta(milliseconds=50))
    new = RedisLock(redis, keys, "sweep", LONG)
    assert await old.acquire()
    await gone(redis, old.key)
    assert await new.acquire()
    assert not await old.renew()  # the paused holder finds out...
    assert not old.held
    assert not await old.release()  # ...and its release leaves the new holder's lock alone
    assert await new.renew()
    assert await new.release()


async def test_context_manager(redis: aioredis.Redis, keys: Keys) -> None:
    async with RedisLock(redis, keys, "sweep", LONG) as lock:
        assert lock.held
        with pytest.raises(LockBusy):
            async with RedisLock(redis, keys, "sweep", LONG):
                pass
    assert not await redis.exists(keys.lock("sweep"))


async def test_many_contenders_one_winner(redis: aioredis.Redis, keys: Keys) -> None:
    locks = [RedisLock(redis, keys, "sweep", LONG) for _ in range(30)]
    won = await asyncio.gather(*(lock.acquire() for lock in locks))
    assert won.count(True) == 1


async def test_a_retried_acquire_is_still_the_holders(redis: aioredis.Redis, keys: Keys) -> None:
    lock = RedisLock(redis, keys, "sweep", LONG)
    assert await lock.acquire()
    assert await lock.acquire()  # redis-py resent it after a timeout: still ours
    assert not await RedisLock(redis, keys, "sweep", LONG).acquire()
