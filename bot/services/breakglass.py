"""Break-glass: a token for an emergency, approved by its own requester, loud and reviewed.

``/regtoken breakglass [registry]`` opens the request form with a required reason. On submit
the request is stored approved by its requester (the only self-approval regbot allows) with
its expiry set to the registry's ``break_glass.max_hours``, and is collectable at once through
the usual one-time collect flow. At the same moment an alert goes to ``notify_channel`` and a
review message with Acknowledge and Revoke now to the registry's approval channel; the request
stays in the daily digest until one of the registry's approvers acknowledges or revokes it.
Revoke disables, then deletes the token at IONOS, and tells its holder. Every audit entry of
the request is flagged ``[break-glass]`` (`bot.store.lua.request`).
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.audit import AuditAction, Outcome, Refusal
from bot.domain.clock import Clock
from bot.domain.errors import InvalidForm, InvalidInput, NotAnApprover, ServiceUnavailable
from bot.domain.models import RequestKind, RequestState, TokenAsk, TokenRequest
from bot.ionos.errors import IonosError, NotFound
from bot.ionos.models import Registry, TokenPatch, TokenStatus
from bot.policy.model import BreakGlass, Policy
from bot.services.approvers import ApproverDirectory
from bot.services.catalog import RegistryCatalog
from bot.services.forms import RequestForm, build_ask
from bot.services.ports import (
    AuditTrail,
    Notifier,
    OwnershipRepository,
    RequesterNotice,
    RequestRepository,
    TokensApi,
    Transitioned,
)
from bot.services.requests import refusal_error
from bot.services.selfservice import DecidedRepository


class BreakGlassReviews(Protocol):
    """The review transitions and the open index (`bot.store.rules.RulesStore`)."""

    async def review(
        self,
        request: TokenRequest,
        *,
        verb: str,
        actor: str,
        at: datetime,
        detail: str,
        op_id: str,
    ) -> Transitioned: ...
    async def unreviewed(self, *, limit: int = 100) -> list[TokenRequest]: ...


class BreakGlassNotifier(Protocol):
    async def alert(self, request: TokenRequest, channel: str) -> None:
        """Who, which registry, which scopes, why: to the security channel."""
        ...

    async def post_review(self, request: TokenRequest, channel: str) -> tuple[str, str]:
        """The post-hoc review message (Acknowledge, Revoke now) for the approvers."""
        ...

    async def tell_revoked(self, request: TokenRequest, actor: str) -> None:
        """A DM to the holder: the token was revoked, by whom."""
        ...


class BreakGlassService:
    def __init__(
        self,
        *,
        decided: DecidedRepository,
        reviews: BreakGlassReviews,
        requests: RequestRepository,
        api: TokensApi,
        ownership: OwnershipRepository,
        audit: AuditTrail,
        approvers: ApproverDirectory,
        catalog: RegistryCatalog,
        notifier: Notifier,
        alerts: BreakGlassNotifier,
        policy: Policy,
        clock: Clock,
    ) -> None:
        self._decided, self._reviews, self._requests = decided, reviews, requests
        self._api, self._ownership, self._audit = api, ownership, audit
        self._approvers, self._catalog = approvers, catalog
        self._notifier, self._alerts = notifier, alerts
        self._policy, self._clock = policy, clock

    # opening ------------------------------------------------------------------------------
    def rules_of(self, registry_name: str) -> BreakGlass | None:
        if not self._policy.governs(registry_name):
            return None
        return self._policy.for_registry(registry_name).break_glass

    def check_open(self, registry_name: str) -> BreakGlass:
        rules = self.rules_of(registry_name)
        if rules is None:
            raise InvalidInput(
                f"Break-glass is not set up for `{registry_name}`: use `request` and wait for "
                "its approvers, or ask them to add `break_glass` to the policy."
            )
        return rules

    def registries(self, known: list[Registry]) -> list[Registry]:
        """The registries among `known` that have break-glass."""
        return [r for r in known if self.rules_of(r.name) is not None]

    def validate(self, form: RequestForm) -> TokenAsk:
        """The form's values (no network call: it runs before the ack); the expiry is set to
        ``max_hours`` from now, whatever was picked."""
        registry = self._catalog.cached_by_id(form.registry_id or "")
        if registry is None:
            raise InvalidForm({"registry": "Pick a registry from the list."})
        rules = self.rules_of(registry.name)
        if rules is None:
            raise InvalidForm({"registry": f"Break-glass is not set up for {registry.name}."})
        now = self._clock.now()
        # build_ask checks a picked day; break-glass has none, so it is given tomorrow and the
        # expiry replaced by the cap below
        dated = form.model_copy(update={"expiry_date": (now + timedelta(days=1)).date()})
        ask = build_ask(
            dated, registry_id=registry.id, registry_name=registry.name, now=now, max_expiry_days=2
        )
        return ask.model_copy(update={"expiry": now + rules.max_age})

    async def open(self, requester: str, ask: TokenAsk, *, nonce: str) -> tuple[TokenRequest, bool]:
        rules = self.check_open(ask.registry_name)
        registry = self._policy.for_registry(ask.registry_name)
        request = TokenRequest(
            id=uuid.uuid4().hex,
            kind=RequestKind.NEW,
            state=RequestState.PENDING,
            requester=requester,
            ask=ask,
            created_at=self._clock.now(),
            quorum=registry.quorum_for(ask.scopes),
            approval_channel=registry.approval_channel,
        )
        made = await self._decided.create_decided(
            request,
            nonce=nonce,
            ttl=self._policy.request_ttl,
            decided_by=requester,
            detail=f"self-approved for at most {rules.max_hours}h; reason: {ask.reason}",
            break_glass=True,
        )
        return made.request, made.created

    async def announce(self, request: TokenRequest) -> None:
        """The alert, the review message, and the requester's DM with the collect button."""
        rules = self.check_open(request.ask.registry_name)
        await self._alerts.alert(request, rules.notify_channel)
        if request.approval_ts is None and request.approval_channel:
            channel, ts = await self._alerts.post_review(request, request.approval_channel)
            await self._requests.set_approval_message(request.id, channel, ts)
        dm = await self._notifier.tell_requester(request, RequesterNotice.APPROVED)
        await self._requests.set_requester_channel(request.id, dm)

    # the post-hoc review ------------------------------------------------------------------
    async def acknowledge(self, request_id: str, actor: str) -> TokenRequest:
        request = await self._reviewable(request_id, actor, "acknowledge")
        done = await self._review(request, "acknowledge", actor, "reviewed after the fact")
        await self._notifier.update_approval_message(done)
        return done

    async def revoke(self, request_id: str, actor: str) -> TokenRequest:
        request = await self._reviewable(request_id, actor, "revoke")
        done = await self._review(request, "revoke", actor, "revoke now")
        if done.token_id:
            await self._remove(done, done.token_id, actor)
        await self._notifier.update_approval_message(done)
        await self._alerts.tell_revoked(done, actor)
        return done

    async def unreviewed(self) -> list[TokenRequest]:
        return await self._reviews.unreviewed()

    async def _reviewable(self, request_id: str, actor: str, verb: str) -> TokenRequest:
        request = await self._requests.get(request_id)
        if request is None or not request.break_glass:
            raise InvalidInput("That break-glass request no longer exists.")
        if not await self._approvers.is_approver(actor, request.ask.registry_name):
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
