"""Collecting an approved request: create the token now, show its password once, keep nothing.

IONOS returns a token's password only in the create response, and an ephemeral message
only reaches someone whose Slack client is open — so the token is created when the
requester clicks, and the answer to that click is the one place the password ever goes.
The password lives in memory between the API response and that Slack call, as a
`SecretStr`; if Slack does not take the message, the token is deleted again and the
request can be collected again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.domain.audit import AuditAction, Outcome, Refusal
from bot.domain.clock import Clock
from bot.domain.errors import (
    AlreadyDecided,
    NotAllowed,
    NotReplicated,
    ServiceUnavailable,
    StoreUnavailable,
    UnknownRequest,
)
from bot.domain.models import RequestKind, TokenRequest
from bot.domain.secrets import hidden
from bot.ionos.errors import Conflict, IonosApiError, IonosError, IonosUnavailable, NotFound
from bot.ionos.models import Scope, Token, TokenSpec, TokenStatus
from bot.services.background import KeepTrying
from bot.services.catalog import RegistryCatalog
from bot.services.orphans import LostCreates
from bot.services.ports import (
    AuditTrail,
    CollectFollowUp,
    DeliveredCredentials,
    Notifier,
    OwnershipRepository,
    RequestRepository,
    TokensApi,
)
from bot.services.requests import refusal_error
from bot.services.words import expiry_words, ionos_failure

log = logging.getLogger(__name__)

# A claim older than this belongs to a replica that died mid-collection; it may be taken over.
# Longer than a delivery's background recording waits for Redis (about 10 minutes, below),
# so a takeover never races a recording of a password that was in fact shown.
CLAIM_STALE_AFTER = timedelta(minutes=15)
# Recording a shown password waits for Redis for about 10 minutes (0.25 s doubling to 5 s).
RECORD_ATTEMPTS = 125


def spec_for(request: TokenRequest) -> TokenSpec:
    ask = request.ask
    scopes = [
        Scope(name=s.repository, type="repository", actions=[a.value for a in s.sorted_actions()])
        for s in ask.scopes
    ]
    return TokenSpec(
        name=ask.token_name, expiry_date=ask.expiry, scopes=scopes, status=TokenStatus.ENABLED
    )


class DeliveryService:
    def __init__(
        self,
        *,
        requests: RequestRepository,
        api: TokensApi,
        catalog: RegistryCatalog,
        notifier: Notifier,
        clock: Clock,
        ownership: OwnershipRepository,
        audit: AuditTrail,
        lost: LostCreates,
        rotations: CollectFollowUp | None = None,
        alarm: Callable[[TokenRequest], Awaitable[None]] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._audit = audit
        # break-glass: its alert and review message (`BreakGlassService.announce`), raised
        # before a token is made when the submission's own announcement never happened
        self._alarm = alarm
        self._lost = lost  # finds and deletes this request's lost create, never another token
        # idempotent store steps that must happen even when Redis blinked (backoff: `sleep`)
        self._later = KeepTrying(sleep, attempts=RECORD_ATTEMPTS)
        self._ownership = ownership
        self._rotations = rotations  # offers "I've switched" once a rotated token is delivered
        self._requests = requests
        self._api = api
        self._catalog = catalog
        self._notifier = notifier
        self._clock = clock

    async def collect(self, request_id: str, actor: str) -> TokenRequest:
        """Create the token and show its password to `actor`, once. Raises a `RegbotError`
        saying what happened when that cannot be done; the request stays collectable."""
        request = await self._requests.get(request_id)
        if request is None:
            raise UnknownRequest("That request no longer exists (it may have expired).")
        if request.requester != actor:
            await self._requests.audit_refusal(
                request.id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.NOT_REQUESTER,
                detail="collect: not the requester",
            )
            raise NotAllowed("Only the person who asked for this token can collect it.")
        if request.kind is RequestKind.EXTEND:
            raise AlreadyDecided("An extension has no token to collect: its new expiry is set.")
        if request.break_glass and request.approval_ts is None and self._alarm is not None:
            # stored, but its alert never went out (the submission timed out or was not
            # confirmed, the replica died after the write): never a silent break-glass token
            await self._alarm(request)
        claim_op = uuid.uuid4().hex
        try:
            claim = await self._requests.claim(
                request_id,
                actor=actor,
                at=self._clock.now(),
                stale_after=CLAIM_STALE_AFTER,
                op_id=claim_op,
            )
        except Exception:
            # The claim may have been made with its answer lost (a broken connection, a Redis
            # failover) or not confirmed by the replicas. Nothing was created: undo exactly
            # that claim as soon as Redis answers, or the retry would be told "being collected"
            # until the claim goes stale.
            asked = request
            self._later.run(
                lambda: self._unclaim(asked, claim_op),
                done="a claim with a lost answer undone",
                gave_up="a claim with a lost answer NOT undone: it goes stale in time",
                request=asked,
            )
            raise
        if not claim.applied or claim.request is None:
            raise refusal_error(claim.refusal, claim.request or request, actor)
        request = claim.request
        # Unknown when Redis failed between the DM and recording it (announce): ask Slack.
        channel = request.requester_channel or await self._dm_of(request.requester)
        if channel is None:
            await self._release(request, AuditAction.DELIVERY_FAILED, "no DM channel known")
            raise ServiceUnavailable("I could not find our DM to show you the password.")
        token = await self._create(request)
        with hidden(token.password.get_secret_value()):
            delivered = await self._deliver(request, token, channel)
        if not delivered:
            await self._roll_back(request, token)
            raise ServiceUnavailable(
                "Slack did not take the message with your password, so the token was deleted "
                "again. Open this DM and click the button once more."
            )
        op_id = uuid.uuid4().hex
        try:
            return await self._record(request, actor, token.id, token.name, op_id)
        except NotReplicated:
            # The password was shown: never "try again" (a second click would be refused as
            # in progress). Record it again in the background; the same op id makes that once.
            self._record_later(request, actor, token.id, token.name, op_id)
            raise ServiceUnavailable(
                "Your token was created and its password is shown above. regbot's database "
                "has not confirmed the record yet; it keeps trying in the background."
            ) from None
        except StoreUnavailable:  # the password is out: keep trying after this reply
            self._record_later(request, actor, token.id, token.name, op_id)
            raise ServiceUnavailable(
                "Your token was created and its password is shown above. regbot's database "
                "is unreachable right now; it will record the token as soon as it is back."
            ) from None

    async def _record(
        self, request: TokenRequest, actor: str, token_id: str, token_name: str, op_id: str
    ) -> TokenRequest:
        """collecting → collected, with ownership and audit (the same op id on every try, so
        a retry that reaches Redis twice records once)."""
        done = await self._requests.complete(
            request.id,
            actor=actor,
            at=self._clock.now(),
            token_id=token_id,
            token_name=token_name,
            op_id=op_id,
            requester=request.requester,
            keep_until=request.ask.expiry,  # the ownership record's and name claim's ends
        )
        rotated = done.request is not None and done.request.kind is RequestKind.ROTATE
        if done.applied and rotated and done.request and self._rotations is not None:
            await self._rotations.delivered(done.request)
        return done.request or request

    def _record_later(
        self, request: TokenRequest, actor: str, token_id: str, token_name: str, op_id: str
    ) -> None:
        """The password was shown: the delivery must not be forgotten because Redis blinked.
        Keep trying in the background (bounded), holding ids only — never the password."""
        self._later.run(
            lambda: self._record(request, actor, token_id, token_name, op_id),
            done="delivery recorded late",
            gave_up="delivery NOT recorded: token exists, request stays collecting",
            request=request,
            token_id=token_id,
        )

    async def _unclaim(self, request: TokenRequest, claim_op: str) -> None:
        await self._requests.unclaim(
            request.id,
            claim_op=claim_op,
            actor=request.requester,
            at=self._clock.now(),
            detail="the claim's answer was lost or not replicated; nothing was created",
            op_id=f"unclaim-{claim_op}",  # the same on every try: undone once
        )

    async def _dm_of(self, user_id: str) -> str | None:
        try:
            return await self._notifier.open_dm(user_id)
        except Exception:  # noqa: BLE001 - Slack away too: answered below, in words
            log.warning("could not open the requester's DM", extra={"user": user_id})
            return None

    async def _create(self, request: TokenRequest) -> Token:
        registry_id = request.ask.registry_id
        try:
            return await self._api.create_token(registry_id, spec_for(request))
        except IonosUnavailable as exc:
            # The create may have happened with its answer lost: its password is gone, so an
            # orphan of that name is deleted and the requester simply clicks again.
            detail = f"no answer from IONOS ({exc.summary})"
            detail += await self._lost.remove(request, spec_for(request))
            await self._release(request, AuditAction.CREATION_FAILED, detail)
            raise ServiceUnavailable(ionos_failure(exc, outcome="No token was made")) from None
        except Conflict as exc:
            # An earlier click's create may have happened with its answer lost and its orphan
            # not removed then: remove it now and create once more.
            removed = await self._lost.remove(request, spec_for(request))
            if removed.startswith("; orphan token"):
                return await self._create_again(request, removed)
            await self._release(request, AuditAction.CREATION_FAILED, f"{exc}{removed}")
            raise ServiceUnavailable(
                f"A token named `{request.ask.token_name}` already exists on "
                f"{request.ask.registry_name}. Ask again with another name."
            ) from None
        except IonosApiError as exc:
            await self._release(request, AuditAction.CREATION_FAILED, str(exc))
            raise ServiceUnavailable(
                f"IONOS refused to create the token: {exc.summary}. "
                "You can click again, or ask again with another name."
            ) from None

    async def _create_again(self, request: TokenRequest, removed: str) -> Token:
        try:
            return await self._api.create_token(request.ask.registry_id, spec_for(request))
        except IonosError as exc:
            await self._release(request, AuditAction.CREATION_FAILED, f"{exc}{removed}")
            raise ServiceUnavailable(
                f"IONOS could not create the token: {exc.summary}. Try again in a minute."
            ) from None

    async def _deliver(self, request: TokenRequest, token: Token, channel: str) -> bool:
        registry = self._catalog.cached_by_id(request.ask.registry_id)
        host = registry.hostname if registry else f"{request.ask.registry_name}.cr.ionos.com"
        credentials = DeliveredCredentials(
            username=token.properties.credentials.username,
            password=token.password,
            registry_host=host,
            token_name=token.name,
            expiry_text=expiry_words(token.expiry_date, self._clock.now()),
        )
        return await self._notifier.deliver_credentials(request.requester, channel, credentials)

    async def _roll_back(self, request: TokenRequest, token: Token) -> None:
        try:
            with contextlib.suppress(NotFound):  # gone already: the outcome wanted
                await self._api.delete_token(request.ask.registry_id, token.id)
            detail = f"token {token.id} deleted: the password could not be shown"
            outcome = Outcome.OK
        except IonosError as exc:
            detail = f"token {token.id} could NOT be deleted ({exc.summary}); delete it by hand"
            outcome = Outcome.FAILED
            log.error("rollback failed", extra={"request_id": request.id, "token_id": token.id})
        await self._audit.append(  # every deletion is audited on the token itself
            at=self._clock.now(),
            actor=request.requester,
            action=AuditAction.DELETED,
            outcome=outcome,
            registry=request.ask.registry_id,
            token=token.id,
            request_id=request.id,
            detail=f"token {token.name}: rolled back, the password could not be shown",
        )
        if outcome is Outcome.OK:
            await self._ownership.forget(token.id)
        await self._release(request, AuditAction.ROLLED_BACK, detail)

    async def _release(self, request: TokenRequest, action: AuditAction, detail: str) -> None:
        await self._requests.release(
            request.id,
            actor=request.requester,
            at=self._clock.now(),
            action=action,
            detail=detail,
            op_id=uuid.uuid4().hex,
        )
