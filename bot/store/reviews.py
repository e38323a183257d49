"""Access review campaigns in Redis.

A campaign is a hash (`Keys.review`), its token snapshot a hash of JSON items
(`Keys.review_items`) with a list giving their order (`Keys.review_order`). The steps that must
happen once are Lua scripts that also write the audit entry: ``review_start.lua`` (one open
campaign per registry; a scheduled start only when due), ``review_item.lua`` (claim, done,
release, gone: each token decided once) and ``review_close.lua`` (the due date, once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis

from bot.domain.reviews import Campaign, ReviewItem
from bot.store.codec import as_str, from_iso, to_iso, to_ms
from bot.store.errors import translates_redis_errors
from bot.store.keys import Keys
from bot.store.replication import NO_WAIT, Replication
from bot.store.review_codec import campaign_from_hash, item_from_json, item_json
from bot.store.scripts import audit_script

AUDIT_MAXLEN = 1_000_000


@dataclass(frozen=True)
class Started:
    started: bool
    campaign_id: str  # the new campaign, or the one already open ("" when not due)
    why: str = ""  # "open" or "not_due" when not started


@dataclass(frozen=True)
class ItemStep:
    outcome: str  # claimed | done | released | gone | unknown | own | decided | busy | not_yours
    item: ReviewItem | None


@translates_redis_errors
class ReviewStore:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        audit_maxlen: int = AUDIT_MAXLEN,
        *,
        replication: Replication = NO_WAIT,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._maxlen = audit_maxlen
        self._start = audit_script(redis, "review_start", replication)
        self._step = audit_script(redis, "review_item", replication)
        self._close = audit_script(redis, "review_close", replication)

    # campaigns ------------------------------------------------------------------------------
    async def open_campaign(self, registry_id: str) -> str | None:
        found = await self._redis.get(self._keys.review_open(registry_id))
        return as_str(found) if found else None

    async def last_start_ms(self, registry_id: str) -> int | None:
        found = await self._redis.get(self._keys.review_last(registry_id))
        return int(as_str(found)) if found else None

    async def put_items(self, campaign_id: str, items: list[ReviewItem]) -> None:
        """Write the snapshot before the campaign exists (nothing points at it yet)."""
        order = sorted(items, key=lambda i: (i.token_name, i.token_id))
        async with self._redis.pipeline(transaction=False) as pipe:
            if order:
                pipe.hset(
                    self._keys.review_items(campaign_id),
                    mapping={i.token_id: item_json(i) for i in order},
                )
                pipe.rpush(self._keys.review_order(campaign_id), *[i.token_id for i in order])
            await pipe.execute()

    async def drop_items(self, campaign_id: str) -> None:
        """The snapshot of a campaign that lost the race to start."""
        await self._redis.delete(
            self._keys.review_items(campaign_id), self._keys.review_order(campaign_id)
        )

    async def start(
        self, campaign: Campaign, *, scheduled_before: datetime | None, detail: str
    ) -> Started:
        k = self._keys
        fields = {
            "id": campaign.id,
            "registry_id": campaign.registry_id,
            "registry_name": campaign.registry_name,
            "channel": campaign.channel,
            "started_by": campaign.started_by,
            "started_at": to_iso(campaign.started_at),
            "due_at": to_iso(campaign.due_at),
            "open": "1",
            "total": str(campaign.total),
        }
        keys = [
            k.review_open(campaign.registry_id),
            k.review_last(campaign.registry_id),
            k.review(campaign.id),
            k.reviews_of(campaign.registry_name),
            k.reviews_due(),
            k.audit_stream(),
            k.audit_head(),
        ]
        args: list[str | int] = [
            campaign.id,
            to_ms(campaign.started_at),
            str(to_ms(scheduled_before)) if scheduled_before else "",
            to_ms(campaign.due_at),
            self._maxlen,
            to_iso(campaign.started_at),
            campaign.started_by,
            campaign.registry_id,
            detail,
            *[v for kv in fields.items() for v in kv],
        ]
        outcome, found = await self._start(keys=keys, args=args)
        outcome, found = as_str(outcome), as_str(found)
        return Started(outcome == "started", found, "" if outcome == "started" else outcome)

    async def get(self, campaign_id: str) -> Campaign | None:
        return campaign_from_hash(await self._redis.hgetall(self._keys.review(campaign_id)))

    async def set_message(self, campaign_id: str, ts: str) -> None:
        await self._redis.hset(self._keys.review(campaign_id), "message_ts", ts)

    async def campaigns_of(self, registry_name: str) -> list[str]:
        found = await self._redis.zrange(self._keys.reviews_of(registry_name), 0, -1)
        return [as_str(c) for c in found]

    async def due(self, now: datetime) -> list[str]:
        found = await self._redis.zrangebyscore(self._keys.reviews_due(), "-inf", to_ms(now))
        return [as_str(c) for c in found]

    async def unfinished(self) -> list[str]:
        return sorted(
            as_str(c) for c in await self._redis.smembers(self._keys.reviews_unfinished())
        )

    async def close(self, campaign: Campaign, *, at: datetime, detail: str) -> bool:
        k = self._keys
        keys = [
            k.review(campaign.id),
            k.review_open(campaign.registry_id),
            k.reviews_due(),
            k.reviews_unfinished(),
            k.audit_stream(),
            k.audit_head(),
        ]
        return bool(
            await self._close(keys=keys, args=[campaign.id, to_iso(at), self._maxlen, detail])
        )

    # items ----------------------------------------------------------------------------------
    async def count(self, campaign_id: str) -> int:
        return int(await self._redis.llen(self._keys.review_order(campaign_id)))

    async def items(self, campaign_id: str, start: int = 0, count: int = -1) -> list[ReviewItem]:
        stop = -1 if count < 0 else start + count - 1
        ids = [
            as_str(i)
            for i in await self._redis.lrange(self._keys.review_order(campaign_id), start, stop)
        ]
        if not ids:
            return []
        raws = await self._redis.hmget(self._keys.review_items(campaign_id), ids)
        return [item_from_json(r) for r in raws if r is not None]

    async def item(self, campaign_id: str, token_id: str) -> ReviewItem | None:
        raw = await self._redis.hget(self._keys.review_items(campaign_id), token_id)
        return item_from_json(raw) if raw is not None else None

    async def step(
        self,
        step: str,
        campaign_id: str,
        token_id: str,
        *,
        actor: str,
        at: datetime,
        decision: str = "",
        note: str = "",
        stale_after: timedelta = timedelta(minutes=2),
        detail: str = "",
    ) -> ItemStep:
        k = self._keys
        keys = [
            k.review(campaign_id),
            k.review_items(campaign_id),
            k.token_reviewed(token_id),
            k.reviews_unfinished(),
            k.audit_stream(),
            k.audit_head(),
        ]
        args: list[str | int] = [
            step,
            token_id,
            actor,
            to_iso(at),
            decision,
            note,
            to_iso(at - stale_after),
            self._maxlen,
            detail,
            campaign_id,
        ]
        outcome, raw = await self._step(keys=keys, args=args)
        text = as_str(raw)
        return ItemStep(as_str(outcome), item_from_json(text) if text else None)

    async def last_reviewed(self, token_ids: list[str]) -> dict[str, datetime]:
        if not token_ids:
            return {}
        found = await self._redis.mget([self._keys.token_reviewed(t) for t in token_ids])
        return {t: from_iso(as_str(v)) for t, v in zip(token_ids, found, strict=True) if v}
