"""Redis side of the policy rules: requests decided as they are made (self-service rules,
break-glass), the post-hoc review of break-glass requests, and escalation.

Each is one Lua script, so every step happens once across replicas with its audit entry:
``request_create_decided.lua`` counts a rule's daily cap and creates the request approved (or,
over the cap, pending) in one step; ``request_review.lua`` acknowledges or revokes a
break-glass request; ``request_escalate.lua`` escalates a pending request once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from bot.domain.errors import UnknownRequest
from bot.domain.models import RequestState, TokenRequest
from bot.store.codec import as_str, ms, request_fields, to_iso, to_ms
from bot.store.creation import USER_INDEX_SIZE, creation_keys, refused
from bot.store.errors import translates_redis_errors
from bot.store.keys import Keys
from bot.store.replication import NO_WAIT, Replication
from bot.store.requests import SYSTEM_ACTOR, RequestStore
from bot.store.scripts import audit_script, source, transition_script
from bot.store.transitions import Stepper, Transition

CAP_KEEP = timedelta(days=2)  # a day's counter outlives its UTC day


@dataclass(frozen=True)
class Decided:
    """What ``create_decided`` made: the stored request, whether this call made it."""

    request: TokenRequest
    created: bool


@translates_redis_errors
class RulesStore:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        requests: RequestStore,
        audit_maxlen: int = 1_000_000,
        *,
        retention: timedelta = timedelta(days=30),
        grace: timedelta = timedelta(days=1),
        replication: Replication = NO_WAIT,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._requests = requests
        self._maxlen = audit_maxlen
        self._retention_ms = ms(retention)
        self._grace = grace
        self._stepper = Stepper(keys, audit_maxlen, self._retention_ms)
        self._create = audit_script(redis, "request_create_decided", replication)
        self._review = transition_script(redis, "request_review", replication)
        self._escalate = transition_script(redis, "request_escalate", replication)
        self._hset_if_exists = redis.register_script(source("hset_if_exists"))

    async def create_decided(
        self,
        request: TokenRequest,
        *,
        nonce: str,
        ttl: timedelta,
        decided_by: str,
        detail: str,
        rule: str = "",
        cap: int = 0,
        break_glass: bool = False,
        max_open: int | None = None,
    ) -> Decided:
        """Store a new request approved at once by `decided_by` — or pending when `rule` has
        reached its `cap` for this requester today. Once per nonce, like `RequestStore.create`."""
        if request.state is not RequestState.PENDING or request.approvals:
            raise ValueError("the request is given as it would be stored pending")
        fields = request_fields(request, expires_at=request.created_at + ttl)
        day = request.created_at.date().isoformat()
        args: list[Any] = [
            request.id,
            ms(ttl + self._grace),
            ms(ttl),
            to_ms(request.created_at),
            self._maxlen,
            self._retention_ms,
            USER_INDEX_SIZE,
            request.requester,
            to_iso(request.created_at),
            request.ask.registry_id,
            f"{request.kind} token {request.ask.token_name} on {request.ask.registry_name}",
            cap,
            ms(CAP_KEEP),
            decided_by,
            detail,
            rule,
            "1" if break_glass else "0",
            "" if max_open is None else max_open,
            *[item for pair in fields.items() for item in pair],
        ]
        keys = [
            *creation_keys(self._keys, request, nonce),
            self._keys.approved_index(),
            self._keys.auto_approvals(request.ask.registry_id, rule, request.requester, day),
            self._keys.break_glass_open(),
            self._keys.name_claim(request.ask.registry_id, request.ask.token_name),
            self._keys.user_open(request.requester, request.ask.registry_id),
        ]
        created, stored_id, _ = await self._create(keys=keys, args=args)
        refused(int(created), as_str(stored_id), request)
        stored = await self._requests.get(as_str(stored_id))
        if stored is None:
            raise UnknownRequest("that request is no longer available; please ask again")
        return Decided(stored, bool(int(created)) or stored.id == request.id)

    # break-glass ---------------------------------------------------------------------------
    async def review(
        self, request: TokenRequest, *, verb: str, actor: str, at: datetime, detail: str, op_id: str
    ) -> Transition:
        """``acknowledge``, ``revoke`` or ``release`` (undo a revoke IONOS did not take)."""
        return await self._stepper.run(
            self._review,
            request.id,
            actor,
            at,
            op_id,
            verb,
            to_ms(request.created_at),
            detail,
            extra_keys=[
                self._keys.break_glass_open(),
                self._keys.approved_index(),
            ],
        )

    async def unreviewed(self, *, limit: int = 100) -> list[TokenRequest]:
        """Break-glass requests nobody acknowledged or revoked yet, oldest first."""
        key = self._keys.break_glass_open()
        ids = [as_str(i) for i in await self._redis.zrange(key, 0, limit - 1)]
        found = [r for r in [await self._requests.get(i) for i in ids] if r is not None]
        gone = set(ids) - {r.id for r in found}
        if gone:
            await self._redis.zrem(key, *gone)
        return found

    # escalation ----------------------------------------------------------------------------
    async def escalate(
        self, request: TokenRequest, *, at: datetime, after: timedelta, to: str, op_id: str
    ) -> Transition:
        """Mark a pending request escalated if `after` has passed since it was made (once)."""
        return await self._stepper.run(
            self._escalate,
            request.id,
            SYSTEM_ACTOR,
            at,
            op_id,
            ms(after),
            to_ms(at),
            to_ms(request.created_at),
            to,
        )

    async def set_escalation_message(self, request_id: str, channel: str, ts: str) -> None:
        await self._hset_if_exists(
            keys=[self._keys.request(request_id)],
            args=["escalation_channel", channel, "escalation_ts", ts],
        )
