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

from datetime import timedelta

from bot.domain.clock import Clock
from bot.domain.errors import InvalidForm, InvalidInput
from bot.domain.models import TokenAsk, TokenRequest
from bot.ionos.models import Registry
from bot.policy.model import BreakGlass, Policy
from bot.services.breakglass_review import BreakGlassReview
from bot.services.catalog import RegistryCatalog
from bot.services.forms import RequestForm, build_ask, pending_request
from bot.services.ports import (
    BreakGlassNotifier,
    DecidedRepository,
    Notifier,
    RequesterNotice,
    RequestRepository,
)


class BreakGlassService:
    def __init__(
        self,
        *,
        decided: DecidedRepository,
        requests: RequestRepository,
        catalog: RegistryCatalog,
        notifier: Notifier,
        alerts: BreakGlassNotifier,
        review: BreakGlassReview,
        policy: Policy,
        clock: Clock,
    ) -> None:
        self.review = review  # Acknowledge and Revoke now (bot.services.breakglass_review)
        self._decided, self._requests, self._catalog = decided, requests, catalog
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
        request = pending_request(requester, ask, registry, self._clock.now())
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
