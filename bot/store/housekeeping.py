"""The request housekeeping and token lifecycle transitions (beside `RequestStore`).

Each step is one Lua script on the request hash (``lua/request_nudge.lua``,
``request_apply.lua``, ``request_extended.lua``, ``rotation_*.lua``), so that with several
replicas running housekeeping at once exactly one of them nudges, applies or disables; the
others get a quiet refusal and write nothing.

Indexes read here: ``pending_index`` (by creation), ``approved_index`` (approved, not yet
collected, by decision time) and ``rotations`` (collected rotations whose old token still needs
a step, scored by when the current stage began: the step is due a grace period later).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from redis.asyncio import Redis

from bot.store.codec import as_str, ms, to_iso, to_ms
from bot.store.errors import translates_redis_errors
from bot.store.keys import Keys
from bot.store.replication import NO_WAIT, Replication
from bot.store.requests import SYSTEM_ACTOR
from bot.store.scripts import source, transition_script
from bot.store.transitions import Stepper, Transition

SCAN_LIMIT = 500  # ids looked at per index per housekeeping run


@translates_redis_errors
class HousekeepingStore:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        audit_maxlen: int = 1_000_000,
        *,
        retention: timedelta = timedelta(days=30),
        replication: Replication = NO_WAIT,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._stepper = Stepper(keys, audit_maxlen, ms(retention))
        self._nudge = transition_script(redis, "request_nudge", replication)
        self._apply = transition_script(redis, "request_apply", replication)
        self._extended = transition_script(redis, "request_extended", replication)
        self._delete_if_equals = redis.register_script(source("compare_delete"))
        self._rotation = {
            step: transition_script(redis, f"rotation_{step}", replication, "rotation")
            for step in ("claim", "done", "release")
        }

    # indexes --------------------------------------------------------------------------------
    async def pending_ids(self, *, created_before: datetime | None = None) -> list[str]:
        """Pending request ids, oldest first (all, or those created before a time)."""
        top = to_ms(created_before) if created_before else "+inf"
        return await self._ids(self._keys.pending_index(), top)

    async def approved_ids(self, *, decided_before: datetime) -> list[str]:
        return await self._ids(self._keys.approved_index(), to_ms(decided_before))

    async def rotation_ids(self, *, since_before: datetime) -> list[str]:
        """Rotations whose current stage began before this time."""
        return await self._ids(self._keys.rotations(), to_ms(since_before))

    async def drop_missing(self, ids: list[str]) -> None:
        """Index entries of requests whose hash is gone (retention passed) are removed."""
        for request_id in ids:
            if not await self._redis.exists(self._keys.request(request_id)):
                for index in (self._keys.approved_index(), self._keys.rotations()):
                    await self._redis.zrem(index, request_id)

    async def forget_submission(self, nonce: str, request_id: str) -> None:
        """Free a submission nonce that still names this (finished) request, so the same
        thing can be asked again."""
        await self._delete_if_equals(keys=[self._keys.submission(nonce)], args=[request_id])

    async def rotation_stage(self, request_id: str) -> str:
        """``live`` (the old token untouched), ``disabled`` or ``deleted``."""
        stage = await self._redis.hget(self._keys.request(request_id), "rotation")
        return as_str(stage) if stage else "live"

    # nudges ---------------------------------------------------------------------------------
    async def nudge(
        self, request_id: str, *, at: datetime, created_at: datetime, after: timedelta, op_id: str
    ) -> Transition:
        """Count a nudge if one is due (the delay doubles after each); detail is its number."""
        return await self._stepper.run(
            self._nudge,
            request_id,
            SYSTEM_ACTOR,
            at,
            op_id,
            ms(after),
            to_ms(at),
            to_ms(created_at),
        )

    # extensions -----------------------------------------------------------------------------
    async def start_applying(
        self, request_id: str, *, actor: str, at: datetime, stale_after: timedelta, op_id: str
    ) -> Transition:
        """approved -> collecting: this caller PATCHes the expiry (a stale attempt is redone)."""
        return await self._stepper.run(
            self._apply, request_id, actor, at, op_id, to_iso(at - stale_after)
        )

    async def extended(
        self, request_id: str, *, actor: str, at: datetime, detail: str, op_id: str
    ) -> Transition:
        """collecting -> collected, audited ``extended``."""
        return await self._stepper.run(
            self._extended,
            request_id,
            actor,
            at,
            op_id,
            detail,
            extra_keys=[self._keys.approved_index()],
        )

    # rotations ------------------------------------------------------------------------------
    async def claim_rotation_step(
        self,
        request_id: str,
        *,
        actor: str,
        at: datetime,
        stage: str,
        stale_after: timedelta,
        due_before: datetime | None,
        op_id: str,
    ) -> Transition:
        """Claim the step after `stage`; with `due_before`, only if the stage began before it."""
        due = str(to_ms(due_before)) if due_before else ""
        return await self._rotation_step(
            "claim", request_id, actor, at, op_id, stage, to_iso(at - stale_after), due
        )

    async def finish_rotation_step(
        self,
        request_id: str,
        *,
        actor: str,
        at: datetime,
        stage: str,
        reached: str,
        action: str,
        detail: str,
        op_id: str,
    ) -> Transition:
        return await self._rotation_step(
            "done", request_id, actor, at, op_id, stage, reached, to_ms(at), action, detail
        )

    async def release_rotation_step(
        self, request_id: str, *, actor: str, at: datetime, action: str, detail: str, op_id: str
    ) -> Transition:
        return await self._rotation_step("release", request_id, actor, at, op_id, action, detail)

    # plumbing -------------------------------------------------------------------------------
    async def _rotation_step(
        self, step: str, request_id: str, actor: str, at: datetime, op_id: str, *extra: object
    ) -> Transition:
        return await self._stepper.run(
            self._rotation[step],
            request_id,
            actor,
            at,
            op_id,
            *extra,
            extra_keys=[self._keys.rotations()],
        )

    async def _ids(self, key: str, top: int | str) -> list[str]:
        found = await self._redis.zrangebyscore(key, "-inf", top, start=0, num=SCAN_LIMIT)
        return [as_str(i) for i in found]
