"""Creating a request: one Lua script (``lua/request_create.lua``) stores it once per modal
nonce, reserves its token name on its registry and counts it against the requester's open
requests, in one atomic step; the refusals are audited there and store nothing.

The name claim (``keys.name_claim``) holds ``req:<request id>`` while the request is open; the
``complete`` transition hands it to the token (``token:<token id>``), the ownership store ends it
with the token, and ``deny``/``expire`` free it. The open set (``keys.user_open``) holds the
requester's requests waiting for approval on the registry; approval, denial and expiry take the
request out, and entries older than the request ttl are dropped by the next create.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from redis.asyncio import Redis

from bot.domain.errors import NameTaken, TooManyOpen
from bot.domain.models import RequestKind, RequestState, TokenRequest
from bot.store.codec import as_str, ms, pairs, request_fields, to_iso, to_ms
from bot.store.keys import Keys
from bot.store.replication import NO_WAIT, Replication
from bot.store.scripts import audit_script

USER_INDEX_SIZE = 200


class RequestCreator:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        audit_maxlen: int,
        retention_ms: int,
        grace: timedelta,
        replication: Replication = NO_WAIT,
    ) -> None:
        self._keys = keys
        self._maxlen = audit_maxlen
        self._retention_ms = retention_ms
        self._grace = grace
        self._create = audit_script(redis, "request_create", replication)

    async def create(
        self,
        request: TokenRequest,
        *,
        nonce: str,
        ttl: timedelta,
        max_open: int | None = None,
    ) -> tuple[str, dict[str, str]]:
        """Store a new pending request once per nonce.

        Returns the id of the stored request — this one's, or the one the nonce already made —
        and, when this call stored it, its hash as stored (read in the same script, so the
        caller need not read it again); otherwise an empty dict.

        In the same atomic step the token name is reserved on the registry for this request
        (not for an extension, which makes no token): `NameTaken` when another open request or
        a token made through regbot holds it. With `max_open`, `TooManyOpen` when the requester
        already has that many requests waiting for approval on the registry. Both refusals
        are audited and store nothing.
        """
        if request.state is not RequestState.PENDING or request.approvals:
            raise ValueError("a new request is pending and has no approvals")
        ask = request.ask
        reserve = request.kind is not RequestKind.EXTEND
        name_key = self._keys.name_claim(ask.registry_id, ask.token_name)
        open_key = self._keys.user_open(request.requester, ask.registry_id)
        fields = request_fields(request, expires_at=request.created_at + ttl)
        fields["open_key"] = open_key
        if reserve:
            fields["name_key"] = name_key
        flat = [item for pair in fields.items() for item in pair]
        args: list[Any] = [
            request.id,
            ms(ttl + self._grace),
            ms(ttl),
            to_ms(request.created_at),
            self._maxlen,
            self._retention_ms,
            USER_INDEX_SIZE,
            "1",
            request.requester,
            to_iso(request.created_at),
            request.ask.registry_id,
            f"{request.kind} token {request.ask.token_name} on {request.ask.registry_name}",
            "1" if reserve else "0",
            "" if max_open is None else max_open,
            *flat,
        ]
        keys = [*creation_keys(self._keys, request, nonce), name_key, open_key]
        status, stored_id, *stored = await self._create(keys=keys, args=args)
        refused(int(status), as_str(stored_id), request)
        return as_str(stored_id), pairs(stored[0]) if stored else {}


def creation_keys(keys: Keys, request: TokenRequest, nonce: str) -> list[str]:
    """KEYS 1 to 6 of both create scripts (``request_create.lua``, ``request_create_decided.lua``):
    the request hash, the audit stream and head, the pending index, the submission nonce and
    the requester's index."""
    return [
        keys.request(request.id),
        keys.audit_stream(),
        keys.audit_head(),
        keys.pending_index(),
        keys.submission(nonce),
        keys.user_requests(request.requester),
    ]


def refused(status: int, answer: str, request: TokenRequest) -> None:
    """Raise the refusal a create script answered (2: the name is held, 3: too many open)."""
    ask = request.ask
    if status == 2:
        raise NameTaken(
            f"`{ask.token_name}` is taken on {ask.registry_name}: another request or a "
            "token made through regbot uses that name. Pick another name.",
            field="token_name",
        )
    if status == 3:
        raise TooManyOpen(
            f"You already have {answer} requests waiting for approval on "
            f"{ask.registry_name}, the most allowed at once. Ask again once one of them "
            "is decided or has expired.",
            field="registry",
        )
