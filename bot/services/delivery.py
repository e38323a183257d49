"""Collecting an approved request: create the token now, show its password once, keep nothing.

IONOS returns a token's password only in the create response, and an ephemeral message
only reaches someone whose Slack client is open — so the token is created when the
requester clicks, and the answer to that click is the one place the password ever goes.
The password lives in memory between the API response and that Slack call, as a
`SecretStr`; if Slack does not take the message, the token is deleted again and the
request can be collected again.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from bot.clock import Clock
from bot.domain.audit import AuditAction
from bot.domain.errors import AlreadyDecided, NotAllowed, ServiceUnavailable, UnknownRequest
from bot.domain.models import RequestKind, TokenRequest
from bot.ionos.errors import IonosApiError, IonosError, IonosUnavailable
from bot.ionos.models import Scope, Token, TokenSpec, TokenStatus
from bot.logs import hidden
from bot.services.catalog import RegistryCatalog
from bot.services.lifecycle_ports import CollectFollowUp
from bot.services.ports import DeliveredCredentials, Notifier, RequestRepository, TokensApi
from bot.services.requests import refusal_error
from bot.services.words import expiry_words

log = logging.getLogger(__name__)

# A claim older than this belongs to a replica that died mid-collection; it may be taken over.
CLAIM_STALE_AFTER = timedelta(minutes=2)


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
        rotations: CollectFollowUp | None = None,
    ) -> None:
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
            raise NotAllowed("Only the person who asked for this token can collect it.")
        if request.kind is RequestKind.EXTEND:
            raise AlreadyDecided("An extension has no token to collect: its new expiry is set.")
        claim = await self._requests.claim(
            request_id,
            actor=actor,
            at=self._clock.now(),
            stale_after=CLAIM_STALE_AFTER,
            op_id=uuid.uuid4().hex,
        )
        if not claim.applied or claim.request is None:
            raise refusal_error(claim.refusal, claim.request or request, actor)
        request = claim.request
        channel = request.requester_channel
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
        done = await self._requests.complete(
            request.id,
            actor=actor,
            at=self._clock.now(),
            token_id=token.id,
            token_name=token.name,
            op_id=uuid.uuid4().hex,
        )
        rotated = done.request is not None and done.request.kind is RequestKind.ROTATE
        if done.applied and rotated and done.request and self._rotations is not None:
            await self._rotations.delivered(done.request)
        return done.request or request

    async def _create(self, request: TokenRequest) -> Token:
        registry_id = request.ask.registry_id
        try:
            return await self._api.create_token(registry_id, spec_for(request))
        except IonosUnavailable as exc:
            # The create may have happened with its answer lost: its password is gone, so an
            # orphan of that name is deleted and the requester simply clicks again.
            detail = f"no answer from IONOS ({exc.summary})"
            detail += await self._remove_orphan(request)
            await self._release(request, AuditAction.CREATION_FAILED, detail)
            raise ServiceUnavailable(
                "The IONOS API did not answer, so no token was made. Try again in a minute."
            ) from None
        except IonosApiError as exc:
            await self._release(request, AuditAction.CREATION_FAILED, str(exc))
            raise ServiceUnavailable(
                f"IONOS refused to create the token: {exc.summary}. "
                "You can click again, or ask again with another name."
            ) from None

    async def _remove_orphan(self, request: TokenRequest) -> str:
        registry_id, name = request.ask.registry_id, request.ask.token_name
        try:
            orphan = await self._api.find_token(registry_id, name)
            if orphan is None:
                return ""
            await self._api.delete_token(registry_id, orphan.id)
        except IonosError as exc:
            log.warning(
                "orphan check failed", extra={"request_id": request.id, "error": exc.summary}
            )
            return "; orphan check failed, see the registry"
        return f"; orphan token {orphan.id} deleted"

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
            await self._api.delete_token(request.ask.registry_id, token.id)
            detail = f"token {token.id} deleted: the password could not be shown"
        except IonosError as exc:
            detail = f"token {token.id} could NOT be deleted ({exc.summary}); delete it by hand"
            log.error("rollback failed", extra={"request_id": request.id, "token_id": token.id})
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
