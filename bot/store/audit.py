"""The audit trail: one Redis stream, each entry linked to the one before by a hash chain.

Entry format (stream fields, all strings, never a secret)::

    at          ISO 8601 UTC time of the event (the caller's clock)
    actor       Slack user id, or "regbot" for the bot itself
    action      an `AuditAction` value ("requested", "approved", …)
    outcome     an `Outcome` value ("ok", "refused", "failed")
    registry    registry id, or ""
    token       token id, or ""
    request_id  request id, or ""
    detail      free text for people, or ""
    op          the operation id of the call that wrote it, or "" (consumers dedupe on it)
    prev        ``hash`` of the entry before, or "genesis" for the first entry ever written
    hash        sha1 hex of ``prev + "\\n" + canonical``

``canonical`` is every field of the entry except ``hash`` (so ``prev`` too), sorted by name
(byte order), each written as ``name=value\\n``, where the value has ``\\`` escaped as ``\\\\``
and a newline as ``\\n``. The hash of the newest entry is kept at ``keys.audit_head()``.

Entries are only written by Lua scripts (``lua/audit.lua`` is the one place the format is
produced), in the same script as the state change they record, so the chain and the head move
atomically. `AuditLog.verify` recomputes every hash with hashlib, checks that each ``prev`` is the
hash of the entry before, that the head is the newest entry's hash, and that the stream's
``max-deleted-entry-id`` (set by ``XDEL``, not by trimming) is still ``0-0``. The stream is capped
with ``XADD MAXLEN ~``: after trimming, verification starts at the first retained entry and takes
its ``prev`` on trust.
SHA-1 without a key detects edits, deletions and reordering by anyone who does not rewrite the
whole chain after them; it is not a signature: copy the stream elsewhere for that.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from redis.asyncio import Redis

from bot.domain.audit import AuditAction, Outcome
from bot.store.codec import as_str, from_iso, to_iso
from bot.store.errors import translates_redis_errors
from bot.store.keys import Keys
from bot.store.replication import NO_WAIT, Replication
from bot.store.scripts import audit_script

GENESIS = "genesis"
OP_TTL = timedelta(days=1)  # how long a retried append with the same op id is recognised
PAGE = 500  # entries per XRANGE / XREVRANGE round trip
LATEST_SCAN_LIMIT = 20_000  # `latest` gives up after looking at this many entries


class AuditEntry(BaseModel, frozen=True):
    id: str
    at: datetime
    actor: str
    action: AuditAction | str
    outcome: Outcome | str
    registry: str = ""
    token: str = ""
    request_id: str = ""
    detail: str = ""
    op_id: str = ""
    prev: str
    hash: str


class ChainCheck(BaseModel):
    ok: bool
    checked: int
    first_bad_id: str | None = None
    problem: str | None = None


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def entry_hash(fields: Mapping[str, str]) -> str:
    """The hash an entry with these stream fields must carry (see the module docstring)."""
    canonical = "".join(
        f"{name}={_escape(fields[name])}\n" for name in sorted(fields) if name != "hash"
    )
    text = fields.get("prev", "") + "\n" + canonical
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _enum_or_str(enum: type[AuditAction] | type[Outcome], value: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        return value


def _entry(entry_id: Any, raw: Mapping[Any, Any]) -> AuditEntry:
    fields = {as_str(k): as_str(v) for k, v in (raw or {}).items()}
    return AuditEntry(
        id=as_str(entry_id),
        at=from_iso(fields["at"]),
        actor=fields.get("actor", ""),
        action=_enum_or_str(AuditAction, fields.get("action", "")),
        outcome=_enum_or_str(Outcome, fields.get("outcome", "")),
        registry=fields.get("registry", ""),
        token=fields.get("token", ""),
        request_id=fields.get("request_id", ""),
        detail=fields.get("detail", ""),
        op_id=fields.get("op", ""),
        prev=fields.get("prev", ""),
        hash=fields.get("hash", ""),
    )


@translates_redis_errors
class AuditLog:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        maxlen: int = 1_000_000,
        replication: Replication = NO_WAIT,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._maxlen = maxlen
        self._append = audit_script(redis, "audit_append", replication)

    async def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: AuditAction | str,
        outcome: Outcome | str = Outcome.OK,
        registry: str = "",
        token: str = "",
        request_id: str = "",
        detail: str = "",
        op_id: str | None = None,
    ) -> str:
        """Append one entry; with `op_id`, a call that reaches Redis twice appends once."""
        keys = [self._keys.audit_stream(), self._keys.audit_head()]
        if op_id is not None:
            keys.append(self._keys.audit_op(op_id))
        args: list[str | int] = [
            self._maxlen,
            int(OP_TTL.total_seconds()),
            to_iso(at),
            actor,
            str(action),
            str(outcome),
            registry,
            token,
            request_id,
            detail,
            op_id or "",
        ]
        return as_str(await self._append(keys=keys, args=args))

    async def latest(
        self,
        count: int = 20,
        *,
        registry: str | None = None,
        token: str | None = None,
        request_id: str | None = None,
        registries: Collection[str] | None = None,
    ) -> list[AuditEntry]:
        """Newest first; with filters, scans back page by page (at most LATEST_SCAN_LIMIT).
        `registries`: only entries of one of these registry ids (none without a registry)."""
        among = None if registries is None else frozenset(registries)
        wanted = {
            name: value
            for name, value in (
                ("registry", registry),
                ("token", token),
                ("request_id", request_id),
            )
            if value is not None
        }
        found: list[AuditEntry] = []
        upper, scanned = "+", 0
        while len(found) < count and scanned < LATEST_SCAN_LIMIT:
            page = (
                await self._redis.xrevrange(
                    self._keys.audit_stream(),
                    max=upper,
                    min="-",
                    count=PAGE if wanted or among is not None else count,
                )
                or []
            )
            if not page:
                break
            for entry_id, raw in page:
                scanned += 1
                fields = {as_str(k): as_str(v) for k, v in (raw or {}).items()}
                if among is not None and fields.get("registry") not in among:
                    continue
                if all(fields.get(name) == value for name, value in wanted.items()):
                    found.append(_entry(entry_id, fields))
                    if len(found) == count:
                        break
            upper = "(" + as_str(page[-1][0])
        return found

    async def iter_entries(self, *, since: datetime | None = None) -> AsyncIterator[AuditEntry]:
        """Oldest first. `since` filters on each entry's ``at`` (the stream is scanned whole)."""
        async for entry_id, fields in self._raw():
            entry = _entry(entry_id, fields)
            if since is None or entry.at >= since:
                yield entry

    async def trim(self, *, older_than: datetime) -> int:
        """Drop entries written before `older_than` (the policy's audit retention). Stream ids
        are the server's milliseconds, so this is XTRIM MINID; the chain stays verifiable from
        the first entry kept. Returns how many entries went."""
        cutoff = int(older_than.timestamp() * 1000)
        return int(await self._redis.xtrim(self._keys.audit_stream(), minid=f"{cutoff}-0"))

    async def verify(self) -> ChainCheck:
        """Recompute the chain over the stream as it stood when the check began."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(self._keys.audit_head())
            pipe.xrevrange(self._keys.audit_stream(), count=1)
            head, newest = await pipe.execute()
        if not newest:
            if head is None:
                return ChainCheck(ok=True, checked=0)
            return ChainCheck(ok=False, checked=0, problem="a chain head exists but no entries")
        last_id = as_str(newest[0][0])
        expected_prev: str | None = None
        checked = 0
        async for entry_id, fields in self._raw(upto=last_id):
            if fields.get("hash") != entry_hash(fields):
                return _broken(entry_id, checked, "its hash does not match its fields (edited)")
            if expected_prev is not None and fields.get("prev") != expected_prev:
                return _broken(
                    entry_id,
                    checked,
                    "its prev is not the hash of the entry before it (an entry was removed)",
                )
            expected_prev = fields["hash"]
            checked += 1
        if head is None or as_str(head) != expected_prev:
            return _broken(
                last_id,
                checked,
                "the chain head is not the newest entry's hash (entries removed or head rewritten)",
            )
        # Trimming leaves max-deleted-entry-id alone; XDEL sets it. This catches a deleted
        # oldest entry, which the chain alone cannot tell from trimming.
        info = await self._redis.xinfo_stream(self._keys.audit_stream())
        deleted = as_str(info.get("max-deleted-entry-id", "0-0"))
        if deleted != "0-0":
            return _broken(deleted, checked, f"entry {deleted} was deleted from the stream (XDEL)")
        return ChainCheck(ok=True, checked=checked)

    async def _raw(self, *, upto: str = "+") -> AsyncIterator[tuple[str, dict[str, str]]]:
        lower = "-"
        while True:
            page = (
                await self._redis.xrange(self._keys.audit_stream(), min=lower, max=upto, count=PAGE)
                or []
            )
            if not page:
                return
            for entry_id, raw in page:
                yield as_str(entry_id), {as_str(k): as_str(v) for k, v in (raw or {}).items()}
            lower = "(" + as_str(page[-1][0])


def _broken(entry_id: str, checked: int, problem: str) -> ChainCheck:
    return ChainCheck(ok=False, checked=checked, first_bad_id=entry_id, problem=problem)
