"""An owner for every token: approvers assign one (``/regtoken adopt``, the digest's *Assign
owner*), and the sweep reports tokens whose owner left Slack.

Assigning is for the registry's approvers only, checked when the choice arrives (not when the
modal opened); the new owner must be an active person in the workspace (``users.info``), so a
forged select value, a bot or a deactivated account is refused in words. The owner record is
the same one a collected request writes, so the new owner gets the reminders, sees the token in
``/regtoken list`` and may manage it. Every assignment and refusal is audited.

`OwnerWatch` is called by the expiry sweep for each page of tokens: an owner whose account is
deactivated (or whom Slack no longer knows) gets the token reported to the approvers with
*Assign owner* and *Disable*, once per (token, owner) through the send-once ledger.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.audit import AuditAction, Outcome
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed, ServiceUnavailable, UnknownToken
from bot.domain.reminders import TokenRef
from bot.ionos.models import Registry, Token
from bot.services.approvers import ApproverDirectory
from bot.services.catalog import RegistryCatalog
from bot.services.ports import (
    AuditTrail,
    OwnerCare,
    OwnershipRepository,
    People,
    PersonStatus,
    ReviewNotifier,
    SendOnce,
)

log = logging.getLogger(__name__)

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
ACTIVE_CACHE = timedelta(hours=6)  # an owner Slack called active is not asked again before
REPORT_KEEP = timedelta(days=400)  # "owner left" is reported once per (token, owner)


@dataclass(frozen=True)
class OwnedToken:
    registry: Registry
    token: Token
    owner: str | None

    @property
    def ref(self) -> TokenRef:
        return TokenRef(self.registry.id, self.registry.name, self.token.id, self.token.name)


class OwnerService:
    def __init__(
        self,
        *,
        catalog: RegistryCatalog,
        approvers: ApproverDirectory,
        ownership: OwnershipRepository,
        store: OwnerCare,
        notifier: ReviewNotifier,
        people: People,
        audit: AuditTrail,
        clock: Clock,
    ) -> None:
        self._catalog = catalog
        self._approvers = approvers
        self._ownership = ownership
        self._store = store
        self._notifier = notifier
        self._people = people
        self._audit = audit
        self._clock = clock

    async def adoptable(self, actor: str, registry_ref: str, token_ref: str) -> OwnedToken:
        """``/regtoken adopt``: the token, if `actor` approves its registry."""
        registry = await self._catalog.resolve(registry_ref)
        await self._require_approver(actor, registry, "", "adopt")
        token = await self._catalog.resolve_token(registry, token_ref)
        owned = await self._ownership.get(token.id)
        return OwnedToken(registry, token, owned.owner if owned else None)

    async def assign(self, actor: str, registry_id: str, token_id: str, owner: str) -> OwnedToken:
        registry = await self._catalog.resolve(registry_id)
        await self._require_approver(actor, registry, token_id, "assign owner")
        if not USER_ID.match(owner):
            await self._refuse(actor, registry.id, token_id, "assign owner: not a user id")
            raise InvalidInput("Pick a person from the list.", field="owner")
        try:
            token = await self._catalog.resolve_token(registry, token_id)
        except UnknownToken:
            await self._refuse(actor, registry.id, token_id, "assign owner: token gone")
            raise UnknownToken(
                "That token no longer exists at IONOS (deleted meanwhile); nothing was changed."
            ) from None
        status = await self._people.status(owner)
        if status is PersonStatus.UNKNOWN:
            raise ServiceUnavailable("Slack did not answer; nothing was changed. Try again.")
        if status is not PersonStatus.ACTIVE:
            await self._refuse(actor, registry.id, token.id, f"assign owner: {owner} is {status}")
            raise InvalidInput(
                "That is not an active person in this workspace; pick someone else.",
                field="owner",
            )
        previous = await self._ownership.get(token.id)
        now = self._clock.now()
        await self._store.assign_owner(
            token_id=token.id,
            owner=owner,
            registry_id=registry.id,
            registry_name=registry.name,
            token_name=token.name,
            at=now,
            expiry=token.expiry_date,
        )
        was = previous.owner if previous else "nobody"
        await self._audit.append(
            at=now,
            actor=actor,
            action=AuditAction.OWNER_ASSIGNED,
            registry=registry.id,
            token=token.id,
            detail=f"token {token.name}: owner {was} -> {owner}",
        )
        done = OwnedToken(registry, token, owner)
        await self._notifier.tell_new_owner(owner, done.ref, actor)
        return done

    async def _require_approver(
        self, actor: str, registry: Registry, token_id: str, what: str
    ) -> None:
        async def unverified(detail: str) -> None:
            await self._refuse(actor, registry.id, token_id, f"{what}: {detail}")

        if await self._approvers.check(actor, registry.name, refuse=unverified):
            return
        await self._refuse(actor, registry.id, token_id, f"{what}: not an approver")
        raise NotAllowed(f"Only the approvers of `{registry.name}` can assign its tokens' owners.")

    async def _refuse(self, actor: str, registry_id: str, token_id: str, detail: str) -> None:
        await self._audit.append(
            at=self._clock.now(),
            actor=actor,
            action=AuditAction.REFUSED,
            outcome=Outcome.REFUSED,
            registry=registry_id,
            token=token_id,
            detail=detail,
        )


class OwnerWatch:
    """The sweep's look at owners (see the module docstring)."""

    def __init__(
        self,
        *,
        people: People,
        store: OwnerCare,
        ledger: SendOnce,
        notifier: ReviewNotifier,
        audit: AuditTrail,
        clock: Clock,
    ) -> None:
        self._people = people
        self._store = store
        self._ledger = ledger
        self._notifier = notifier
        self._audit = audit
        self._clock = clock
        self._memo: dict[str, tuple[datetime, PersonStatus]] = {}

    async def page(
        self, registry: Registry, channel: str, tokens: list[Token], owners: dict[str, str | None]
    ) -> int:
        """Report tokens of this page whose owner left; returns how many were reported."""
        reported = 0
        for token in tokens:
            owner = owners.get(token.id)
            if owner is None:
                continue
            status = await self._status(owner)
            if status in (PersonStatus.DEACTIVATED, PersonStatus.UNREACHABLE):
                ref = TokenRef(registry.id, registry.name, token.id, token.name)
                reported += await self._report(channel, ref, owner, str(status))
        return reported

    async def _status(self, owner: str) -> PersonStatus:
        now = self._clock.now()
        memo = self._memo.get(owner)
        if memo is not None and memo[0] > now:
            return memo[1]
        if await self._store.owner_known_active(owner):
            status = PersonStatus.ACTIVE
        else:
            status = await self._people.status(owner)
            if status is PersonStatus.ACTIVE:
                await self._store.remember_owner_active(owner, ACTIVE_CACHE)
        if status is not PersonStatus.UNKNOWN:
            self._memo[owner] = (now + timedelta(minutes=10), status)
        return status

    async def _report(self, channel: str, ref: TokenRef, owner: str, why: str) -> int:
        item = self._store.owner_left_item(ref.token_id, owner)
        claimant = secrets.token_hex(8)
        if not await self._ledger.claim(item, claimant):
            return 0
        try:
            sent = await self._notifier.report_owner_left(channel, ref, owner, why)
        except Exception:
            await self._ledger.release(item, claimant)
            raise
        if not sent:
            await self._ledger.release(item, claimant)
            return 0
        await self._ledger.mark_sent(item, REPORT_KEEP)
        await self._audit.append(
            at=self._clock.now(),
            actor="regbot",
            action=AuditAction.OWNER_LEFT,
            registry=ref.registry_id,
            token=ref.token_id,
            detail=f"token {ref.token_name}: owner {owner} is {why}; reported to {channel}",
        )
        return 1
