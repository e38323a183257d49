"""Token owners beyond the request flow: an owner assigned by an approver (written like a
collected request's, through `OwnershipStore`), a short cache of owners Slack called active,
and the send-once ledger item of "this token's owner left"."""

from __future__ import annotations

from datetime import datetime, timedelta

from redis.asyncio import Redis

from bot.store.errors import translates_redis_errors
from bot.store.keys import Keys
from bot.store.ownership import OwnershipStore, TokenOwnership


@translates_redis_errors
class OwnerCareStore:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._owners = OwnershipStore(redis, keys)

    async def assign_owner(
        self,
        *,
        token_id: str,
        owner: str,
        registry_id: str,
        registry_name: str,
        token_name: str,
        at: datetime,
        expiry: datetime | None,
    ) -> None:
        await self._owners.record(
            TokenOwnership(
                token_id=token_id,
                owner=owner,
                registry_id=registry_id,
                registry_name=registry_name,
                token_name=token_name,
                request_id="",
                created_at=at,
            )
        )
        await self._owners.keep_until(token_id, expiry)

    async def owner_known_active(self, user_id: str) -> bool:
        return bool(await self._redis.exists(self._keys.owner_active(user_id)))

    async def remember_owner_active(self, user_id: str, ttl: timedelta) -> None:
        await self._redis.set(
            self._keys.owner_active(user_id), "1", px=int(ttl.total_seconds() * 1000)
        )

    def owner_left_item(self, token_id: str, owner: str) -> str:
        """The send-once ledger item of "this token's owner left" (see `SendOnceLedger`)."""
        return self._keys.owner_left_sent(token_id, owner)
