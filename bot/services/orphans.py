"""A create whose answer was lost: finding the token it made — and never anyone else's.

When IONOS's answer to a create is lost (timeout, connection cut) the token may exist with
its password gone; it must be deleted so that the requester can click again. A token of that
name is this request's lost create only when everything below holds, each something no other
request could have produced:

- the name is reserved on the registry for this very request (``keys.name_claim`` holds
  ``req:<id>``): no other request made through regbot can hold or create that name meanwhile;
- no ownership record names the token (every token regbot delivered has one);
- IONOS made it after this request's first create attempt began (recorded in Redis by the
  claim, before IONOS is called), give or take `CLOCK_SKEW`;
- its scopes and expiry are exactly what this request asks for.

Anything else is kept, and the audit trail says why. Every deletion is audited on the token
and clears its ownership record (it has none, but the rule holds for every deletion).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from bot.domain.audit import AuditAction, Outcome
from bot.domain.clock import Clock
from bot.domain.models import TokenRequest
from bot.ionos.errors import IonosError, NotFound
from bot.ionos.models import Scope, Token, TokenSpec
from bot.services.ports import AuditTrail, NameClaims, OwnershipRepository, TokensApi

log = logging.getLogger(__name__)

# How far IONOS's clock may be from ours when telling our orphans from other tokens.
CLOCK_SKEW = timedelta(minutes=5)
EXPIRY_SLACK = timedelta(minutes=1)  # IONOS may round the expiry it stores


def _scope_set(scopes: list[Scope] | None) -> frozenset[tuple[str, str, frozenset[str]]]:
    return frozenset((s.name, s.type, frozenset(s.actions)) for s in scopes or [])


def mismatch(token: Token, request: TokenRequest, spec: TokenSpec, now: datetime) -> str:
    """Why `token` is not this request's lost create ("" when it is): the time window and
    the spec. (The name claim and the ownership record are checked by the caller.)"""
    started = request.create_attempted_at
    created = token.metadata.created_date if token.metadata else None
    if started is None or created is None:
        return "no create attempt or creation time to compare"
    if created < started - CLOCK_SKEW:
        return "made before this request's first create attempt"
    if created > now + CLOCK_SKEW:
        return "made in the future"
    if _scope_set(token.properties.scopes) != _scope_set(spec.scopes):
        return "its scopes differ from this request's"
    asked, has = spec.expiry_date, token.expiry_date
    if (asked is None) != (has is None):
        return "its expiry differs from this request's"
    if asked is not None and has is not None and abs(asked - has) > EXPIRY_SLACK:
        return "its expiry differs from this request's"
    return ""


class LostCreates:
    def __init__(
        self,
        *,
        api: TokensApi,
        names: NameClaims,
        ownership: OwnershipRepository,
        audit: AuditTrail,
        clock: Clock,
    ) -> None:
        self._api = api
        self._names = names
        self._ownership = ownership
        self._audit = audit
        self._clock = clock

    async def remove(self, request: TokenRequest, spec: TokenSpec) -> str:
        """Delete this request's lost create, if there is one; returns words for the audit
        detail of the failed creation ("; orphan token <id> deleted" when one was)."""
        registry_id, name = request.ask.registry_id, request.ask.token_name
        try:
            orphan = await self._api.find_token(registry_id, name)
            if orphan is None:
                return ""
            why = await self._not_ours(orphan, request, spec)
            if why:
                return f"; a token named {name} ({orphan.id}) is not this request's ({why}): kept"
            with contextlib.suppress(NotFound):  # gone already: the outcome wanted
                await self._api.delete_token(registry_id, orphan.id)
        except IonosError as exc:
            log.warning(
                "orphan check failed", extra={"request_id": request.id, "error": exc.summary}
            )
            return "; orphan check failed, see the registry"
        await self._audit.append(
            at=self._clock.now(),
            actor=request.requester,
            action=AuditAction.DELETED,
            outcome=Outcome.OK,
            registry=registry_id,
            token=orphan.id,
            request_id=request.id,
            detail=f"token {name}: the lost create of this request (its password was never shown)",
        )
        await self._ownership.forget(orphan.id)
        return f"; orphan token {orphan.id} deleted"

    async def _not_ours(self, token: Token, request: TokenRequest, spec: TokenSpec) -> str:
        holder = await self._names.name_holder(request.ask.registry_id, request.ask.token_name)
        if holder != f"req:{request.id}":
            return f"the name is held by {holder or 'nobody'}, not this request"
        if await self._ownership.get(token.id) is not None:
            return "regbot delivered it to someone"
        return mismatch(token, request, spec, self._clock.now())
