"""Who owns which registry token: a hash per token id and a set of token ids per user.

Tokens made through a request get their ownership written by the ``complete`` transition script
(atomically with the request's state); `record` is for tokens adopted outside that flow.
Ownership lives until `forget` (the token was deleted) or a grace period past the token's
expiry. The token's name claim on its registry (``keys.name_claim``, handed from the request to
the token by ``complete``) ends with the token: at its expiry, or when it is forgotten.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from redis.asyncio import Redis

from bot.store.codec import as_str, from_iso, to_iso
from bot.store.errors import translates_redis_errors
from bot.store.keys import Keys
from bot.store.replication import NO_WAIT, Replication, WaitedScript
from bot.store.scripts import source

GRACE = timedelta(days=30)  # ownership records outlive their token's expiry by this much


class TokenOwnership(BaseModel, frozen=True):
    token_id: str
    owner: str
    registry_id: str
    registry_name: str
    token_name: str
    request_id: str
    created_at: datetime


def _ownership(raw: dict[Any, Any]) -> TokenOwnership | None:
    if not raw:
        return None
    fields = {as_str(k): as_str(v) for k, v in raw.items()}
    return TokenOwnership(
        token_id=fields["token_id"],
        owner=fields["owner"],
        registry_id=fields.get("registry_id", ""),
        registry_name=fields.get("registry_name", ""),
        token_name=fields.get("token_name", ""),
        request_id=fields.get("request_id", ""),
        created_at=from_iso(fields["created_at"]),
    )


@translates_redis_errors
class OwnershipStore:
    def __init__(self, redis: Redis, keys: Keys, replication: Replication = NO_WAIT) -> None:
        self._redis = redis
        self._keys = keys
        self._write_script = WaitedScript(redis, source("ownership_write"), replication)
        self._owners_script = redis.register_script(source("owners_of"))
        self._name_until = redis.register_script(source("compare_pexpireat"))
        self._name_release = redis.register_script(source("compare_delete"))

    async def get(self, token_id: str) -> TokenOwnership | None:
        return _ownership(await self._redis.hgetall(self._keys.token_owner(token_id)))

    async def keep_until(self, token_id: str, expiry: datetime | None) -> None:
        """Let the record outlive its token by `GRACE` (IONOS deletes tokens at expiry);
        a token that never expires keeps its record until it is deleted."""
        key = self._keys.token_owner(token_id)
        if expiry is None:
            await self._redis.persist(key)
        else:
            await self._redis.pexpireat(key, int((expiry + GRACE).timestamp() * 1000))
        name_key = await self._name_key(token_id)
        if name_key is not None:  # IONOS frees the name when it deletes the token at expiry
            until = "" if expiry is None else int(expiry.timestamp() * 1000)
            await self._name_until(keys=[name_key], args=[f"token:{token_id}", until])

    async def owners_of(self, token_ids: list[str]) -> dict[str, str]:
        """Token id -> owner for those with an owner: one command for a whole page (a
        pipeline of HGETs cost the sweep ~2 ms of client CPU per 100 tokens, this ~0.3)."""
        if not token_ids:
            return {}
        keys = [self._keys.token_owner(token_id) for token_id in token_ids]
        replies = await self._owners_script(keys=keys)
        return {t: as_str(o) for t, o in zip(token_ids, replies, strict=True) if o}

    async def of_user(self, user_id: str) -> list[TokenOwnership]:
        """The user's tokens, oldest first."""
        token_ids = sorted(
            as_str(t) for t in await self._redis.smembers(self._keys.user_tokens(user_id))
        )
        async with self._redis.pipeline(transaction=False) as pipe:
            for token_id in token_ids:
                pipe.hgetall(self._keys.token_owner(token_id))
            replies = await pipe.execute()
        gone = [t for t, raw in zip(token_ids, replies, strict=True) if not raw]
        if gone:  # records that expired after their token: tidy the user's set
            await self._redis.srem(self._keys.user_tokens(user_id), *gone)
        owned = [o for o in map(_ownership, replies) if o is not None and o.owner == user_id]
        return sorted(owned, key=lambda o: (o.created_at, o.token_id))

    async def record(self, ownership: TokenOwnership) -> None:
        """Write (or move) a token's ownership; the previous owner's set loses it."""
        fields = ownership.model_dump(mode="json") | {"created_at": to_iso(ownership.created_at)}
        await self._write(
            ownership.token_id, ownership.owner, [str(v) for kv in fields.items() for v in kv]
        )

    async def forget(self, token_id: str) -> None:
        """The token was deleted: drop its ownership, and free its name for a new request."""
        name_key = await self._name_key(token_id)
        await self._write(token_id, "", [])
        if name_key is not None:
            await self._name_release(keys=[name_key], args=[f"token:{token_id}"])

    async def _name_key(self, token_id: str) -> str | None:
        registry_id, token_name = await self._redis.hmget(
            self._keys.token_owner(token_id), ["registry_id", "token_name"]
        )
        if not registry_id or not token_name:
            return None
        return self._keys.name_claim(as_str(registry_id), as_str(token_name))

    async def _write(self, token_id: str, owner: str, fields: list[str]) -> None:
        key = self._keys.token_owner(token_id)
        while True:  # retried only when another writer moved the token between read and write
            previous = await self._redis.hget(key, "owner")
            previous_owner = as_str(previous) if previous is not None else ""
            keys = [
                key,
                self._keys.user_tokens(owner or "-"),
                self._keys.user_tokens(previous_owner or "-"),
            ]
            if await self._write_script(keys=keys, args=[previous_owner, token_id, owner, *fields]):
                return
