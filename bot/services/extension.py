"""Applying an approved extension: the new expiry is PATCHed on IONOS at once (no collect step).

One caller applies it (``start_applying`` moves the request to collecting atomically); when
IONOS refuses, the request goes back to approved with the failure audited, the owner gets a
Retry button, the approval message shows one too, and the approver is told in words. Nothing is
lost until the claim ttl expires the request.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.domain.audit import AuditAction, Refusal
from bot.domain.clock import Clock
from bot.domain.errors import AlreadyDecided, NotAllowed, ServiceUnavailable, UnknownRequest
from bot.domain.models import RequestKind, RequestState, TokenRequest
from bot.ionos.errors import IonosError, NotFound
from bot.ionos.models import TokenPatch
from bot.services.approvers import ApproverDirectory
from bot.services.ports import (
    LifecycleNotice,
    LifecycleNotifier,
    LifecycleRepository,
    Notifier,
    OwnershipRepository,
    RequestRepository,
    TokensApi,
)
from bot.services.words import already_decided, mention, when

APPLY_STALE_AFTER = timedelta(minutes=2)


class ExtensionApplier:
    def __init__(
        self,
        *,
        requests: RequestRepository,
        lifecycle: LifecycleRepository,
        api: TokensApi,
        ownership: OwnershipRepository,
        approvers: ApproverDirectory,
        notifier: Notifier,
        lifecycle_notifier: LifecycleNotifier,
        clock: Clock,
    ) -> None:
        self._requests = requests
        self._lifecycle = lifecycle
        self._api = api
        self._ownership = ownership
        self._approvers = approvers
        self._notifier = notifier
        self._tell = lifecycle_notifier
        self._clock = clock

    async def approved(self, request: TokenRequest, actor: str) -> TokenRequest:
        """The quorum approved this extension: apply it now."""
        return await self._apply(request, actor)

    async def retry(self, request_id: str, actor: str) -> TokenRequest:
        """Apply an approved extension again after IONOS refused it (requester or approver)."""
        request = await self._requests.get(request_id)
        if request is None or request.kind is not RequestKind.EXTEND:
            raise UnknownRequest("That extension no longer exists (it may have expired).")
        registry = request.ask.registry_name
        if actor != request.requester and not await self._approvers.check(
            actor, registry, refuse=self._unverified(request.id, actor)
        ):
            await self._requests.audit_refusal(
                request.id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.NOT_REQUESTER,
                detail="retry extension: not the requester nor an approver",
            )
            raise NotAllowed("Only the requester and the registry's approvers can retry this.")
        if request.state is not RequestState.APPROVED:
            if request.state is RequestState.COLLECTED:
                raise AlreadyDecided("This extension is already applied: the new expiry is set.")
            raise already_decided(request)
        return await self._apply(request, actor)

    def _unverified(self, request_id: str, actor: str) -> Callable[[str], Awaitable[None]]:
        async def refuse(detail: str) -> None:
            await self._requests.audit_refusal(
                request_id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.UNVERIFIED,
                detail=f"retry extension: {detail}",
            )

        return refuse

    async def _apply(self, request: TokenRequest, actor: str) -> TokenRequest:
        now = self._clock.now()
        claim = await self._lifecycle.start_applying(
            request.id, actor=actor, at=now, stale_after=APPLY_STALE_AFTER, op_id=_op()
        )
        if not claim.applied or claim.request is None:
            if claim.refusal is Refusal.IN_PROGRESS:
                raise AlreadyDecided("The new expiry is being set right now.")
            return claim.request or request  # someone else applied it
        request = claim.request
        token_id = request.target_token_id or ""
        try:
            await self._api.patch_token(
                request.ask.registry_id, token_id, TokenPatch(expiry_date=request.ask.expiry)
            )
        except NotFound:
            return await self._token_gone(request, actor)
        except IonosError as exc:
            return await self._failed(request, actor, exc.summary)
        expiry = when(request.ask.expiry) if request.ask.expiry else "never"
        done = await self._lifecycle.extended(
            request.id,
            actor=actor,
            at=self._clock.now(),
            detail=f"token {request.target_token_name}: expiry set to {expiry}",
            op_id=_op(),
        )
        request = done.request or request
        await self._ownership.keep_until(token_id, request.ask.expiry)
        await self._notifier.update_approval_message(request)
        for user in await self._people(request):
            await self._tell.tell(user, request, LifecycleNotice.EXTENDED)
        return request

    async def _failed(self, request: TokenRequest, actor: str, summary: str) -> TokenRequest:
        released = await self._requests.release(
            request.id,
            actor=actor,
            at=self._clock.now(),
            action=AuditAction.EXTENDED,
            detail=f"IONOS refused the new expiry: {summary}",
            op_id=_op(),
        )
        request = released.request or request
        await self._notifier.update_approval_message(request)
        await self._tell.tell(request.requester, request, LifecycleNotice.EXTEND_FAILED, summary)
        raise ServiceUnavailable(
            f"Approved, but IONOS could not set the new expiry ({summary}). Nothing is lost: "
            f"the request stays approved, and {mention(request.requester)} or an approver can "
            "click Retry (in the DM, or on the approval message).",
            people=(request.requester,),
        )

    async def _token_gone(self, request: TokenRequest, actor: str) -> TokenRequest:
        await self._requests.release(
            request.id,
            actor=actor,
            at=self._clock.now(),
            action=AuditAction.EXTENDED,
            detail="the token no longer exists on IONOS",
            op_id=_op(),
        )
        expired = await self._requests.expire(
            request.id, at=self._clock.now(), reason="the token to extend is gone", op_id=_op()
        )
        request = expired.request or request
        await self._notifier.update_approval_message(request)
        raise AlreadyDecided(
            f"Token `{request.target_token_name}` no longer exists on IONOS (it may have "
            "expired), so there is nothing to extend: ask for a new token."
        )

    async def _people(self, request: TokenRequest) -> list[str]:
        """The requester, and the token's owner when someone else asked."""
        owned = await self._ownership.get(request.target_token_id or "")
        people = [request.requester]
        if owned is not None and owned.owner != request.requester:
            people.append(owned.owner)
        return people


def _op() -> str:
    return uuid.uuid4().hex
