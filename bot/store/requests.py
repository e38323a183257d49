"""Token requests in Redis: a state machine whose every step is one Lua script.

Each transition script (``lua/request_<step>.lua`` after the ``audit.lua`` and ``request.lua``
preludes) checks the state and the actor, applies the change and appends its audit entry in one
atomic step, so two replicas racing on the same button produce one winner and one entry.

A request is a hash at ``keys.request(id)`` with flat fields (the ask as JSON); approvals are a
sorted set at ``keys.request_approvals(id)`` scored by approval time (epoch ms). Every call that
changes state carries an ``op_id``: the script stores its result on the hash as ``op:<op_id>``
and a second arrival of the same op id (redis-py retries on connection errors) gets that result
back without writing anything. Refusals a person caused are audited (action ``refused``);
``IN_PROGRESS`` (a double click) and a late ``expire`` write nothing.

Lifetimes: a pending request's hash expires ``ttl + grace`` after creation (housekeeping
expires it before); from ``approved`` on, and in final states, it is kept for ``retention``.
Indexes: ``pending_index`` (ids of pending requests by creation time), ``approved_index``
(approved, not yet collected, by decision time: the claim ttl runs from there), ``rotations``
(written by ``complete`` for a rotation; see `bot.store.housekeeping`) and one sorted set per
requester, trimmed to the newest `USER_INDEX_SIZE`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from redis.asyncio import Redis

from bot.domain.audit import AuditAction, Outcome, Refusal
from bot.domain.errors import UnknownRequest
from bot.domain.models import RequestState, TokenAsk, TokenRequest
from bot.store.audit import AuditLog
from bot.store.codec import as_str, ms, request_from_hash, to_iso, to_ms
from bot.store.creation import RequestCreator
from bot.store.errors import translates_redis_errors
from bot.store.keys import Keys
from bot.store.ownership import GRACE
from bot.store.replication import NO_WAIT, Replication
from bot.store.scripts import source, transition_script
from bot.store.transitions import Stepper, Transition

__all__ = ["SYSTEM_ACTOR", "RequestStore", "Transition"]

SYSTEM_ACTOR = "regbot"
PAGE = 100  # ids read per round trip when walking an index


@translates_redis_errors
class RequestStore:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        audit_maxlen: int = 1_000_000,
        *,
        retention: timedelta = timedelta(days=30),
        grace: timedelta = timedelta(days=1),
        replication: Replication = NO_WAIT,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._maxlen = audit_maxlen
        self._retention_ms = ms(retention)
        self._audit = AuditLog(redis, keys, maxlen=audit_maxlen, replication=replication)
        self._stepper = Stepper(keys, audit_maxlen, self._retention_ms)
        self._creator = RequestCreator(
            redis,
            keys,
            audit_maxlen=audit_maxlen,
            retention_ms=self._retention_ms,
            grace=grace,
            replication=replication,
        )
        self._hset_if_exists = redis.register_script(source("hset_if_exists"))
        self._steps = {
            step: transition_script(redis, f"request_{step}", replication)
            for step in (
                "approve",
                "deny",
                "claim",
                "unclaim",
                "complete",
                "release",
                "expire",
                "cancel",
            )
        }

    # creating and reading -------------------------------------------------------------------
    async def create(
        self,
        request: TokenRequest,
        *,
        nonce: str,
        ttl: timedelta,
        max_open: int | None = None,
    ) -> tuple[TokenRequest, bool]:
        """Store a new pending request once per nonce (`bot.store.creation`: the token name is
        reserved, `max_open` counted, in the same step; `NameTaken` / `TooManyOpen` otherwise).

        Returns ``(stored request, created)``. A nonce already used returns the request it made
        and ``False`` — unless that request has this request's id: then this is our own call
        arriving twice (a redis-py retry), and the answer is ``True``.
        """
        stored_id, fields = await self._creator.create(
            request, nonce=nonce, ttl=ttl, max_open=max_open
        )
        stored = request_from_hash(fields, []) if fields else await self.get(stored_id)
        if stored is None:
            raise UnknownRequest("that request is no longer available; please ask again")
        return stored, stored_id == request.id

    async def get(self, request_id: str) -> TokenRequest | None:
        found = await self._get_many([request_id])
        return found[0] if found else None

    async def pending(self) -> list[TokenRequest]:
        """Every pending request, oldest first, read `PAGE` at a time (ids whose hash is gone
        are dropped from the index). Nothing is left out: a flood of requests must not hide
        one from the approvers' listing or from the nudges."""
        ids = [as_str(i) for i in await self._redis.zrange(self._keys.pending_index(), 0, -1)]
        found: list[TokenRequest] = []
        for first in range(0, len(ids), PAGE):
            page = ids[first : first + PAGE]
            requests = await self._get_many(page)
            gone = set(page) - {r.id for r in requests}
            if gone:
                await self._redis.zrem(self._keys.pending_index(), *gone)
            found += [r for r in requests if r.state is RequestState.PENDING]
        return found

    async def name_holder(self, registry_id: str, token_name: str) -> str | None:
        """Who holds a token name on a registry: ``req:<request id>`` or ``token:<token id>``."""
        holder = await self._redis.get(self._keys.name_claim(registry_id, token_name))
        return as_str(holder) if holder is not None else None

    async def of_requester(self, user_id: str, *, limit: int = 50) -> list[TokenRequest]:
        """A requester's requests, newest first."""
        key = self._keys.user_requests(user_id)
        ids = [as_str(i) for i in await self._redis.zrevrange(key, 0, limit - 1)]
        return await self._get_many(ids)

    async def set_approval_message(self, request_id: str, channel: str, ts: str) -> None:
        await self._hset(request_id, approval_channel=channel, approval_ts=ts)

    async def set_requester_channel(self, request_id: str, channel: str) -> None:
        await self._hset(request_id, requester_channel=channel)

    # transitions ---------------------------------------------------------------------------
    async def approve(
        self,
        request_id: str,
        *,
        actor: str,
        at: datetime,
        ask: TokenAsk | None = None,
        narrowed: str | None = None,
        comment: str | None = None,
        version: int | None = None,
        op_id: str,
    ) -> Transition:
        """Record an approval; the one that reaches the quorum approves the request.

        A narrowed `ask` must come with the `version` of the request it was made from: when
        another approver narrowed the request since, the approval is refused (``stale_view``,
        audited) and the answer carries the request as it is now."""
        if ask is not None and version is None:
            raise ValueError("a narrowed ask needs the version it was made from")
        detail = "; ".join(
            part
            for part in (
                f"narrowed: {narrowed}" if narrowed else "",
                f"comment: {comment}" if comment else "",
            )
            if part
        )
        return await self._step(
            "approve",
            request_id,
            actor,
            at,
            op_id,
            ask.model_dump_json() if ask else "",
            ask.registry_id if ask else "",
            narrowed or "",
            comment or "",
            to_ms(at),
            detail,
            "" if version is None else version,
            extra_keys=[self._keys.approved_index()],
        )

    async def deny(
        self, request_id: str, *, actor: str, at: datetime, comment: str, op_id: str
    ) -> Transition:
        return await self._step("deny", request_id, actor, at, op_id, comment)

    async def claim(
        self, request_id: str, *, actor: str, at: datetime, stale_after: timedelta, op_id: str
    ) -> Transition:
        """approved -> collecting, by the requester; a claim older than `stale_after` is redone."""
        return await self._step("claim", request_id, actor, at, op_id, to_iso(at - stale_after))

    async def unclaim(
        self, request_id: str, *, claim_op: str, actor: str, at: datetime, detail: str, op_id: str
    ) -> Transition:
        """collecting -> approved, only if the claim is still the one made with `claim_op` (its
        caller lost the answer); otherwise nothing changes."""
        return await self._step("unclaim", request_id, actor, at, op_id, claim_op, detail)

    async def complete(
        self,
        request_id: str,
        *,
        actor: str,
        at: datetime,
        token_id: str,
        token_name: str,
        op_id: str,
        requester: str | None = None,
        keep_until: datetime | Literal[False] | None = False,
    ) -> Transition:
        """collecting -> collected; writes ownership; audits CREATED, then DELIVERED.

        With `keep_until` (the token's expiry; None: it never expires) the ownership record
        and the name claim get their ends in the same step, exactly as
        `OwnershipStore.keep_until` sets them; with False they are left for the caller.

        `requester` is the request's requester as the caller read it (it never changes, so
        building the owner's keys from it before the script is safe; the script refuses a
        mismatch); without it, it is read first (one more round trip)."""
        owner = requester
        if owner is None:
            stored = await self._redis.hget(self._keys.request(request_id), "requester")
            if stored is None:
                return Transition(applied=False, request=None, refusal=Refusal.UNKNOWN_REQUEST)
            owner = as_str(stored)
        extra_keys = [
            self._keys.token_owner(token_id),
            self._keys.user_tokens(owner),
            self._keys.approved_index(),
            self._keys.rotations(),
        ]
        return await self._step(
            "complete",
            request_id,
            actor,
            at,
            op_id,
            token_id,
            token_name,
            owner,
            to_ms(at),
            *_ends(keep_until),
            extra_keys=extra_keys,
        )

    async def release(
        self,
        request_id: str,
        *,
        actor: str,
        at: datetime,
        action: AuditAction,
        detail: str,
        op_id: str,
    ) -> Transition:
        """collecting -> approved again, audited with `action` and outcome FAILED."""
        return await self._step("release", request_id, actor, at, op_id, str(action), detail)

    async def expire(self, request_id: str, *, at: datetime, reason: str, op_id: str) -> Transition:
        """pending or approved -> expired; anything else is left alone and not audited."""
        return await self._step(
            "expire",
            request_id,
            SYSTEM_ACTOR,
            at,
            op_id,
            reason,
            extra_keys=[self._keys.approved_index()],
        )

    async def cancel(
        self, request_id: str, *, actor: str, at: datetime, detail: str, op_id: str
    ) -> Transition:
        """pending or approved -> cancelled, by the requester only (others refused, audited)."""
        return await self._step(
            "cancel",
            request_id,
            actor,
            at,
            op_id,
            detail,
            extra_keys=[self._keys.approved_index()],
        )

    async def audit_refusal(
        self, request_id: str, *, actor: str, at: datetime, refusal: Refusal, detail: str
    ) -> None:
        """Audit a refusal decided outside Redis (e.g. NOT_APPROVER, from Slack user groups)."""
        registry = await self._redis.hget(self._keys.request(request_id), "registry_id")
        await self._audit.append(
            at=at,
            actor=actor,
            action=AuditAction.REFUSED,
            outcome=Outcome.REFUSED,
            registry=as_str(registry) if registry is not None else "",
            request_id=request_id,
            detail=f"{refusal}: {detail}",
        )

    # plumbing ------------------------------------------------------------------------------
    async def _step(
        self,
        step: str,
        request_id: str,
        actor: str,
        at: datetime,
        op_id: str,
        *extra: Any,
        extra_keys: list[str] | None = None,
    ) -> Transition:
        return await self._stepper.run(
            self._steps[step], request_id, actor, at, op_id, *extra, extra_keys=extra_keys
        )

    async def _get_many(self, ids: list[str]) -> list[TokenRequest]:
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for request_id in ids:
                pipe.hgetall(self._keys.request(request_id))
                pipe.zrange(self._keys.request_approvals(request_id), 0, -1, withscores=True)
            replies = await pipe.execute()
        found = []
        for fields, approvals in zip(replies[::2], replies[1::2], strict=True):
            if fields:
                flat = [item for member, score in approvals for item in (member, score)]
                found.append(
                    request_from_hash({as_str(k): as_str(v) for k, v in fields.items()}, flat)
                )
        return found

    async def _hset(self, request_id: str, **fields: str) -> None:
        flat = [item for pair in fields.items() for item in pair]
        written = await self._hset_if_exists(keys=[self._keys.request(request_id)], args=flat)
        if not written:
            raise UnknownRequest("that request is no longer available")


def _ends(expiry: datetime | Literal[False] | None) -> tuple[str, str, str]:
    """The complete script's ARGV 10-12: whether to set the ends, the ownership record's end
    (the token's expiry + `GRACE`) and the name claim's (the expiry: IONOS frees the name)."""
    if expiry is False:
        return "", "", ""
    if expiry is None:
        return "1", "", ""
    return "1", str(to_ms(expiry + GRACE)), str(to_ms(expiry))
