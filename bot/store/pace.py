"""The IONOS budget shared by every replica: `RedisPace.acquire` is the `SharedPace` port of
`bot.ionos.pacing.Pacer`, backed by one small Lua script (``lua/pace.lua``, a reserving GCRA
on Redis's clock). With three replicas at ``IONOS_RATE_PER_SECOND=5`` the three together
start at most 5 calls a second.

Redis away (or slow): ``None``, and the pacer paces this process alone until it is back.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.store.keys import Keys
from bot.store.scripts import source

log = logging.getLogger(__name__)

# A slot is needed before every IONOS call; never let a slow Redis hold the call up long.
ACQUIRE_TIMEOUT = 0.5


class RedisPace:
    def __init__(self, redis: Redis, keys: Keys, rate_per_second: float) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self._interval_us = max(1, round(1_000_000 / rate_per_second))
        self._key = keys.ionos_pace()
        self._script = redis.register_script(source("pace"))

    async def acquire(self) -> float | None:
        """Seconds until this caller's slot of the shared budget, or None if unreachable."""
        try:
            async with asyncio.timeout(ACQUIRE_TIMEOUT):
                waited = await self._script(keys=[self._key], args=[self._interval_us])
        except (RedisError, TimeoutError, OSError) as exc:
            log.debug("shared pace unreachable", extra={"error": type(exc).__name__})
            return None
        return int(waited) / 1_000_000
