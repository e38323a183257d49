"""Who has opened regbot's Home tab: their Home is republished when something of theirs
changes; people who never opened it cost nothing (Slack shows a Home only once published)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from redis.asyncio import Redis

from bot.store.codec import as_str, to_ms
from bot.store.errors import translates_redis_errors
from bot.store.keys import Keys


@translates_redis_errors
class HomeViewers:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def remember(self, user_id: str, at: datetime) -> None:
        await self._redis.zadd(self._keys.home_viewers(), {user_id: to_ms(at)})

    async def opened(self, user_ids: Iterable[str]) -> set[str]:
        """Those of `user_ids` who have opened Home before."""
        wanted = list(dict.fromkeys(user_ids))
        if not wanted:
            return set()
        scores = await self._redis.zmscore(self._keys.home_viewers(), wanted)
        return {as_str(u) for u, score in zip(wanted, scores, strict=True) if score is not None}
