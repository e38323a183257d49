"""A lease in Redis: one holder at a time, for a bounded time, renewed while it works.

The recipe of the Redis documentation (distributed locks, single instance): acquire with
``SET key <random> NX PX ttl`` (in `set_if_absent.lua`: the same, but safe to retry); renew and
release with Lua scripts that compare the value first, so a holder whose lease expired can
neither extend nor delete the next holder's.

This is an *efficiency* lock (one sweep at a time, no wasted IONOS calls), not a correctness
one: a holder paused past its ttl (GC, SIGSTOP, a stalled VM) can still act after another took
over, and nothing downstream checks a fencing token. Whatever must happen once is made
idempotent on its own (see `bot.store.reminders`). TTLs run on the Redis server's clock.

    lock = RedisLock(redis, keys, "sweep", ttl=timedelta(seconds=60))
    async with lock:            # raises LockBusy when another holder has it
        ...
        if not await lock.renew():
            ...                 # lost: stop working
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from types import TracebackType

from redis.asyncio import Redis

from bot.store.errors import translates_redis_errors
from bot.store.keys import Keys
from bot.store.scripts import source

HOLDER_BYTES = 20  # the recipe asks for at least 20 random bytes


class LockBusy(Exception):
    """Another holder has the lease."""


@translates_redis_errors
class RedisLock:
    def __init__(self, redis: Redis, keys: Keys, name: str, ttl: timedelta) -> None:
        if ttl < timedelta(milliseconds=1):
            raise ValueError("a lock's ttl must be at least 1 ms")
        self._redis = redis
        self.key = keys.lock(name)
        self.ttl = ttl
        self._holder = secrets.token_hex(HOLDER_BYTES)
        self._held = False
        self._acquire = redis.register_script(source("set_if_absent"))
        self._renew = redis.register_script(source("compare_pexpire"))
        self._release = redis.register_script(source("compare_delete"))

    @property
    def held(self) -> bool:
        """True from a successful acquire until a release, or a renew that found it lost."""
        return self._held

    @property
    def _ttl_ms(self) -> int:
        return max(1, int(self.ttl.total_seconds() * 1000))

    async def acquire(self) -> bool:
        """Take the lease if nobody holds it; False when someone does. (``SET NX PX`` in a
        script that also says yes to our own value, so a command retried after a timeout
        does not report the lease we just took as someone else's.)"""
        taken = await self._acquire(keys=[self.key], args=[self._holder, self._ttl_ms])
        self._held = bool(taken)
        return self._held

    async def renew(self) -> bool:
        """Push the expiry another ttl ahead; False (and `held` False) when the lease was lost."""
        self._held = bool(await self._renew(keys=[self.key], args=[self._holder, self._ttl_ms]))
        return self._held

    async def release(self) -> bool:
        """Give the lease back; False when it was no longer ours (nothing is deleted then)."""
        self._held = False
        return bool(await self._release(keys=[self.key], args=[self._holder]))

    async def __aenter__(self) -> RedisLock:
        if not await self.acquire():
            raise LockBusy(self.key)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.release()
