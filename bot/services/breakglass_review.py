"""The post-hoc review of a break-glass token by the registry's approvers: *Acknowledge*
(it leaves the daily digest) or *Revoke now* (disabled, then deleted at IONOS; its holder is
told). Only approvers of the request's registry may click; the requester may not acknowledge
their own; every refusal is audited, and each review happens once (`request_review.lua`).
"""

from __future__ import annotations

import contextlib
import uuid

from bot.domain.audit import AuditAction, Outcome, Refusal
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAnApprover, NotReplicated, ServiceUnavailable
from bot.domain.models import TokenRequest
from bot.ionos.errors import IonosError, NotFound
from bot.ionos.models import TokenPatch, TokenStatus
from bot.services.approvers import ApproverDirectory
from bot.services.ports import (
    AuditTrail,
    BreakGlassReviews,
    Notifier,
    OwnershipRepository,
    RequestRepository,
    RevokedNotice,
    TokensApi,
)
from bot.services.requests import refusal_error


class BreakGlassReview:
    def __init__(
        self,
        *,
        reviews: BreakGlassReviews,
        requests: RequestRepository,
        api: TokensApi,
        ownership: OwnershipRepository,
        audit: AuditTrail,
        approvers: ApproverDirectory,
        notifier: Notifier,
        holder: RevokedNotice,
        clock: Clock,
    ) -> None:
        self._reviews, self._requests = reviews, requests
        self._api, self._ownership, self._audit = api, ownership, audit
        self._approvers, self._notifier, self._holder = approvers, notifier, holder
        self._clock = clock

    async def acknowledge(self, request_id: str, actor: str) -> TokenRequest:
        request = await self._reviewable(request_id, actor, "acknowledge")
        done = await self._review(request, "acknowledge", actor, "reviewed after the fact")
        await self._notifier.update_approval_message(done)
        return done

    async def revoke(self, request_id: str, actor: str) -> TokenRequest:
        request = await self._reviewable(request_id, actor, "revoke")
        if request.review == "revoked" and request.token_id:
            # recorded, but the replica that recorded it may have died (or the write was not
            # confirmed and the approver was told to try again) before IONOS was told: the
            # token must not outlive its revocation, so a click finishes it
            return await self._finish_revoke(request, request.token_id, actor)
        try:
            done = await self._review(request, "revoke", actor, "revoke now")
        except NotReplicated:
            # perhaps kept, perhaps not: either way the approver asked for the token to go
            current = await self._requests.get(request.id)
            if current is not None and current.review == "revoked" and current.token_id:
                await self._remove(current, current.token_id, actor)
            raise
        if done.token_id:
            await self._remove(done, done.token_id, actor)
        await self._notifier.update_approval_message(done)
        await self._holder.tell_revoked(done, actor)
        return done

    async def _finish_revoke(
        self, request: TokenRequest, token_id: str, actor: str
    ) -> TokenRequest:
        try:
            await self._api.get_token(request.ask.registry_id, token_id)
        except NotFound:  # gone at IONOS: the revocation is complete
            raise InvalidInput(
                f"This break-glass was already revoked by {request.reviewed_by or 'an approver'}."
            ) from None
        except IonosError as exc:
            raise ServiceUnavailable(
                f"IONOS did not answer ({exc.summary}). Click Revoke now again."
            ) from None
        await self._remove(request, token_id, actor)
        await self._notifier.update_approval_message(request)
        await self._holder.tell_revoked(request, actor)
        return request

    async def unreviewed(self) -> list[TokenRequest]:
        return await self._reviews.unreviewed()

    async def _reviewable(self, request_id: str, actor: str, verb: str) -> TokenRequest:
        request = await self._requests.get(request_id)
        if request is None or not request.break_glass:
            raise InvalidInput("That break-glass request no longer exists.")

        async def unverified(detail: str) -> None:
            await self._requests.audit_refusal(
                request.id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.UNVERIFIED,
                detail=f"break-glass {verb}: {detail}",
            )

        if not await self._approvers.check(actor, request.ask.registry_name, refuse=unverified):
            await self._requests.audit_refusal(
                request.id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.NOT_APPROVER,
                detail=f"break-glass {verb}: not an approver of {request.ask.registry_name}",
            )
            raise NotAnApprover(
                f"Only approvers of `{request.ask.registry_name}` can {verb} this break-glass."
            )
        return request

    async def _review(
        self, request: TokenRequest, verb: str, actor: str, detail: str
    ) -> TokenRequest:
        result = await self._reviews.review(
            request, verb=verb, actor=actor, at=self._clock.now(), detail=detail, op_id=_op()
        )
        if result.request is None:
            raise InvalidInput("That break-glass request no longer exists.")
        if not result.applied:
            if result.detail.startswith("already"):
                raise InvalidInput(f"This break-glass was {result.detail}.")
            if result.refusal is Refusal.IN_PROGRESS:
                raise InvalidInput(
                    "Its token is being created right now: click again in a minute to revoke it."
                )
            raise refusal_error(result.refusal, result.request, actor)
        return result.request

    async def _remove(self, request: TokenRequest, token_id: str, actor: str) -> None:
        """Disable first (effective at once), then delete; a failure is undone in Redis so
        that Revoke can be clicked again."""
        registry_id = request.ask.registry_id
        step = AuditAction.DISABLED
        try:
            try:
                await self._api.patch_token(
                    registry_id, token_id, TokenPatch(status=TokenStatus.DISABLED)
                )
                await self._record(request, token_id, actor, step, Outcome.OK)
            except NotFound:  # deleted already (by its owner): nothing left to disable
                await self._record(request, token_id, actor, step, Outcome.OK, "already gone")
            step = AuditAction.DELETED
            with contextlib.suppress(NotFound):  # already gone: what was asked
                await self._api.delete_token(registry_id, token_id)
        except IonosError as exc:
            await self._record(request, token_id, actor, step, Outcome.FAILED, exc.summary)
            await self._reviews.review(
                request,
                verb="release",
                actor=actor,
                at=self._clock.now(),
                detail=f"IONOS: {exc.summary}",
                op_id=_op(),
            )
            raise ServiceUnavailable(
                f"IONOS did not take the revocation ({exc.summary}). Click Revoke now again."
            ) from None
        await self._record(request, token_id, actor, step, Outcome.OK)
        await self._ownership.forget(token_id)

    async def _record(
        self,
        request: TokenRequest,
        token_id: str,
        actor: str,
        action: AuditAction,
        outcome: Outcome,
        detail: str = "",
    ) -> None:
        words = f"[break-glass] revoke: token {request.ask.token_name}"
        await self._audit.append(
            at=self._clock.now(),
            actor=actor,
            action=action,
            outcome=outcome,
            registry=request.ask.registry_id,
            token=token_id,
            request_id=request.id,
            detail=f"{words}: {detail}" if detail else words,
        )


def _op() -> str:
    return uuid.uuid4().hex
