"""The request flow: submit, decide (approve, deny, narrow), collect the password.

Every step that must happen once is a transition of the request store (atomic in Redis,
with its audit entry). Slack and IONOS are reached through ports; this module never sees
a Slack payload or an HTTP response.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from bot.domain.audit import Refusal
from bot.domain.clock import Clock
from bot.domain.errors import (
    AlreadyDecided,
    ChangedMeanwhile,
    CouldNotVerify,
    InvalidForm,
    NotAllowed,
    NotAnApprover,
    SelfApproval,
    UnknownRequest,
    WiderThanRequested,
)
from bot.domain.models import RequestKind, RequestState, TokenAsk, TokenRequest
from bot.policy.model import Policy
from bot.services.approvers import ApproverDirectory
from bot.services.catalog import RegistryCatalog
from bot.services.forms import RequestForm, ReviewForm, build_ask, narrow_ask, pending_request
from bot.services.ports import (
    ApprovalFollowUp,
    Notifier,
    OwnershipRepository,
    RequesterNotice,
    RequestRepository,
    Transitioned,
)
from bot.services.review import changed_meanwhile, scopes_stay_for_extension
from bot.services.selfservice import SelfService
from bot.services.words import already_decided
from bot.services.words import changed_meanwhile as changed_words

log = logging.getLogger(__name__)


class RequestService:
    def __init__(
        self,
        *,
        requests: RequestRepository,
        ownership: OwnershipRepository,
        policy: Policy,
        approvers: ApproverDirectory,
        catalog: RegistryCatalog,
        notifier: Notifier,
        clock: Clock,
        extensions: ApprovalFollowUp | None = None,
        self_service: SelfService | None = None,
    ) -> None:
        self._self_service = self_service  # auto_approve rules (bot.services.selfservice)
        self._extensions = extensions  # applies an approved extension at once (no collect step)
        self._requests = requests
        self._ownership = ownership
        self._policy = policy
        self._approvers = approvers
        self._catalog = catalog
        self._notifier = notifier
        self._clock = clock

    # submitting -------------------------------------------------------------------------

    def validate(self, form: RequestForm) -> TokenAsk:
        """Check the modal's values without any network call (it runs before the ack)."""
        registry = self._catalog.cached_by_id(form.registry_id or "")
        if registry is None:
            raise InvalidForm({"registry": "Pick a registry from the list."})
        if not self._policy.governs(registry.name):
            raise InvalidForm({"registry": "No approvers are set up for this registry yet."})
        rules = self._policy.for_registry(registry.name)
        return build_ask(
            form,
            registry_id=registry.id,
            registry_name=registry.name,
            now=self._clock.now(),
            max_expiry_days=rules.max_expiry_days,
        )

    async def record(
        self, requester: str, ask: TokenAsk, *, nonce: str
    ) -> tuple[TokenRequest, bool]:
        """Store the request once per modal, however often it is submitted; the flag says
        whether this call stored it (only then is it announced)."""
        rules = self._policy.for_registry(ask.registry_name)
        request = pending_request(requester, ask, rules, self._clock.now())
        ttl = self._policy.request_ttl
        max_open = rules.max_open_requests_per_user
        if self._self_service is not None:
            decided = await self._self_service.record(
                request, nonce=nonce, ttl=ttl, max_open=max_open
            )
            if decided is not None:
                return decided
        return await self._requests.create(request, nonce=nonce, ttl=ttl, max_open=max_open)

    async def announce(self, request: TokenRequest) -> None:
        """Post the request to its approvers and tell the requester it is pending."""
        if request.approval_ts is None and request.approval_channel:
            channel, ts = await self._notifier.post_approval_request(
                request, request.approval_channel
            )
            await self._requests.set_approval_message(request.id, channel, ts)
        approved = request.state is RequestState.APPROVED  # by a self-service rule
        notice = RequesterNotice.APPROVED if approved else RequesterNotice.PENDING
        dm = await self._notifier.tell_requester(request, notice)
        await self._requests.set_requester_channel(request.id, dm)

    # deciding ---------------------------------------------------------------------------

    async def _decidable(self, request_id: str, actor: str) -> TokenRequest:
        request = await self._requests.get(request_id)
        if request is None:
            raise UnknownRequest("That request no longer exists (it may have expired).")
        if not await self._approvers.check(
            actor,
            request.ask.registry_name,
            refuse=self._unverified(request.id, actor),
            request=request,  # escalated: the backup approvers too
        ):
            await self._requests.audit_refusal(
                request.id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.NOT_APPROVER,
                detail=f"not an approver of {request.ask.registry_name}",
            )
            raise NotAnApprover(
                f"Only approvers of `{request.ask.registry_name}` can decide on this request."
            )
        return request

    def _unverified(self, request_id: str, actor: str) -> Callable[[str], Awaitable[None]]:
        """How a refusal is audited when Slack could not say whether `actor` approves."""

        async def refuse(detail: str) -> None:
            await self._requests.audit_refusal(
                request_id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.UNVERIFIED,
                detail=detail,
            )

        return refuse

    async def request_for_review(self, request_id: str, actor: str) -> TokenRequest:
        """The request an approver is about to review (refused, and audited, for others)."""
        request = await self._decidable(request_id, actor)
        if request.requester == actor:
            await self._requests.audit_refusal(
                request.id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.SELF_APPROVAL,
                detail="tried to review their own request",
            )
            raise SelfApproval("You can't decide on your own request.")
        if request.state is not RequestState.PENDING:
            raise already_decided(request)
        return request

    async def get(self, request_id: str) -> TokenRequest:
        request = await self._requests.get(request_id)
        if request is None:
            raise UnknownRequest("That request no longer exists (it may have expired).")
        return request

    async def check_review(
        self,
        request: TokenRequest,
        actor: str,
        review: ReviewForm,
        *,
        seen_version: int | None = None,
    ) -> None:
        """Validate an approval modal before its ack: a decision, a comment to deny, and a
        narrowing that is really narrower (a widening attempt is refused and audited), made
        from the request as it is now (`ChangedMeanwhile` when another approver narrowed it
        since the modal was opened — shown only to those who may decide it: to anyone else,
        a forged form, nothing of the request is shown here, and the decision step after the
        ack refuses them in words and audits it)."""
        if (
            seen_version is not None
            and seen_version != request.version
            and await self._may_see(actor, request)
        ):
            raise await self._changed(request, actor, f"review made from version {seen_version}")
        if review.decision not in ("approve", "deny"):
            raise InvalidForm({"decision": "Choose approve or deny."})
        if review.decision == "deny":
            if not review.comment.strip():
                raise InvalidForm({"comment": "Say why you deny it: the requester reads this."})
            return
        await self._scopes_stay_for_extension(request, actor, review)
        try:
            narrow_ask(request.ask, review, now=self._clock.now())
        except WiderThanRequested as exc:
            await self._requests.audit_refusal(
                request.id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.WIDER_THAN_REQUESTED,
                detail=exc.user_message,
            )
            raise

    async def _may_see(self, actor: str, request: TokenRequest) -> bool:
        try:
            return await self._approvers.may_decide(actor, request)
        except CouldNotVerify:
            return False  # the decision step refuses it, audited as "could not verify"

    async def approve(
        self,
        request_id: str,
        actor: str,
        review: ReviewForm | None = None,
        *,
        seen_version: int | None = None,
    ) -> TokenRequest:
        """Approve, narrowing as `review` says. The narrowing is made from the request read
        here and applied only if the request is still that version in Redis (another approver
        may narrow it while this one waits on Slack): else `ChangedMeanwhile`, with the request
        as it is now — a narrowing never puts back what another approver took away."""
        request = await self._decidable(request_id, actor)
        if seen_version is not None and seen_version != request.version:
            raise await self._changed(request, actor, f"review made from version {seen_version}")
        ask, narrowed = None, ""
        if review is not None:
            await self._scopes_stay_for_extension(request, actor, review)
            ask, narrowed = narrow_ask(request.ask, review, now=self._clock.now())
        comment = review.comment.strip() if review and review.comment.strip() else None
        result = await self._requests.approve(
            request_id,
            actor=actor,
            at=self._clock.now(),
            ask=ask if narrowed else None,
            narrowed=narrowed or None,
            comment=comment,
            version=request.version if narrowed else None,
            op_id=uuid.uuid4().hex,
        )
        if result.refusal is Refusal.STALE_VIEW and result.request is not None:
            now = self._clock.now()
            raise ChangedMeanwhile(changed_words(result.request, now), result.request)
        return await self._after_decision(result, actor)

    async def _changed(self, current: TokenRequest, actor: str, detail: str) -> ChangedMeanwhile:
        return await changed_meanwhile(self._requests, self._clock, current, actor, detail)

    async def _scopes_stay_for_extension(
        self, request: TokenRequest, actor: str, review: ReviewForm
    ) -> None:
        await scopes_stay_for_extension(self._requests, self._clock, request, actor, review)

    async def deny(self, request_id: str, actor: str, comment: str) -> TokenRequest:
        await self._decidable(request_id, actor)
        if not comment.strip():
            raise InvalidForm({"comment": "Say why you deny it: the requester will read this."})
        result = await self._requests.deny(
            request_id,
            actor=actor,
            at=self._clock.now(),
            comment=comment.strip(),
            op_id=uuid.uuid4().hex,
        )
        return await self._after_decision(result, actor)

    async def _after_decision(self, result: Transitioned, actor: str) -> TokenRequest:
        request = result.request
        if request is None:
            raise UnknownRequest("That request no longer exists (it may have expired).")
        if not result.applied:
            raise refusal_error(result.refusal, request, actor)
        approved = request.state is RequestState.APPROVED
        if approved and request.kind is RequestKind.EXTEND and self._extensions is not None:
            # applied at once: the message is updated once, with the outcome of the PATCH
            return await self._extensions.approved(request, actor)
        await self._notifier.update_approval_message(request)
        if approved:
            await self._notifier.tell_requester(request, RequesterNotice.APPROVED)
        elif request.state is RequestState.DENIED:
            await self._notifier.tell_requester(request, RequesterNotice.DENIED)
        return request

    async def pending_for(self, actor: str) -> list[TokenRequest]:
        """Requests waiting for this person's decision."""
        waiting = []
        for request in await self._requests.pending():
            if request.requester == actor:
                continue
            if await self._approvers.may_decide(actor, request):
                waiting.append(request)
        return waiting


def refusal_error(refusal: Refusal | None, request: TokenRequest, actor: str) -> Exception:
    if refusal is Refusal.SELF_APPROVAL:
        return SelfApproval("You can't decide on your own request.")
    if refusal is Refusal.ALREADY_APPROVED_BY_YOU:
        return AlreadyDecided(
            f"You already approved this request; it needs {request.quorum} different approvers."
        )
    if refusal is Refusal.NOT_REQUESTER:
        return NotAllowed("Only the person who asked for this token can collect it.")
    if refusal is Refusal.IN_PROGRESS:
        return AlreadyDecided(
            "This token is being created right now; the password is on its way. If it does "
            "not reach you, click again in 15 minutes."
        )
    return already_decided(request)
