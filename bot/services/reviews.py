"""Access reviews: an approver (or the schedule) opens a campaign over a registry's tokens; the
registry's approvers keep, disable or delete each token, once (`bot.services.review_decisions`).

Rules, checked on every click against the current state (never against the message or the
modal the click came from): only approvers of the campaign's registry review; nobody reviews a
token they own (the snapshot's owner or the current one); each token is decided once (the
``review_item.lua`` claim). A disable or delete is applied at IONOS after the claim; when IONOS
fails the claim is released (audited ``failed``) and the token can be decided again. Every
decision and refusal is audited; the owner is told of a disable or delete, with the note.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from bot.domain.audit import AuditAction, Outcome
from bot.domain.clock import Clock
from bot.domain.errors import AlreadyDecided, NotAllowed, UnknownRequest
from bot.domain.reviews import Campaign, ReviewItem
from bot.ionos.models import Registry, Token, TokenStatus
from bot.policy.model import Policy
from bot.services.approvers import ApproverDirectory
from bot.services.catalog import RegistryCatalog
from bot.services.ports import (
    AuditTrail,
    OwnershipRepository,
    ReviewNotifier,
    ReviewRepository,
    TokensApi,
)

PAGE_SIZE = 10  # tokens per modal page: 3 blocks each, well inside a modal's 100


@dataclass(frozen=True)
class ReviewPage:
    campaign: Campaign
    items: list[ReviewItem]
    page: int
    pages: int
    actor: str
    current_owners: dict[str, str]  # token id -> owner now (adopted since the snapshot)


def scopes_text(token: Token) -> str:
    return "; ".join(f"{s.name}: {', '.join(s.actions) or 'none'}" for s in token.scopes) or "none"


class ReviewService:
    def __init__(
        self,
        *,
        api: TokensApi,
        catalog: RegistryCatalog,
        approvers: ApproverDirectory,
        ownership: OwnershipRepository,
        store: ReviewRepository,
        notifier: ReviewNotifier,
        audit: AuditTrail,
        policy: Policy,
        clock: Clock,
    ) -> None:
        self._api = api
        self._catalog = catalog
        self._approvers = approvers
        self._ownership = ownership
        self._store = store
        self._notifier = notifier
        self._audit = audit
        self._policy = policy
        self._clock = clock

    # starting -------------------------------------------------------------------------------
    async def start(self, actor: str, registry_ref: str) -> Campaign:
        """``/regtoken review <registry>``: an approver of that registry opens a campaign."""
        registry = await self._catalog.resolve(registry_ref)
        rules = self._policy.for_registry(registry.name)  # UnknownRegistry when not governed

        async def unverified(detail: str) -> None:
            await self.refuse(actor, registry.id, "", f"review: start refused, {detail}")

        if not await self._approvers.check(actor, registry.name, refuse=unverified):
            await self.refuse(actor, registry.id, "", "review: start refused, not an approver")
            raise NotAllowed(f"Only the approvers of `{registry.name}` can start its review.")
        existing = await self.unposted(registry.id)
        if existing is not None:
            return await self.post(existing)  # open, but Slack never took its message
        if await self._store.open_campaign(registry.id):
            raise AlreadyDecided(
                f"A review of `{registry.name}` is already open; see its message in "
                f"<#{rules.approval_channel}>."
            )
        campaign = await self.open(registry, actor, scheduled_before=None)
        if campaign is None:
            raise AlreadyDecided(f"A review of `{registry.name}` was opened a moment ago.")
        return campaign

    async def open(
        self, registry: Registry, actor: str, *, scheduled_before: datetime | None
    ) -> Campaign | None:
        """Snapshot the registry's tokens and open the campaign (None: another one is open, or
        the schedule is not due). The snapshot is written first, under a fresh id nothing
        points at; the loser of a race drops its own."""
        rules = self._policy.for_registry(registry.name)
        now = self._clock.now()
        items = await self._snapshot(registry)
        campaign = Campaign(
            id=uuid.uuid4().hex[:16],
            registry_id=registry.id,
            registry_name=registry.name,
            channel=rules.approval_channel,
            started_by=actor,
            started_at=now,
            due_at=now + rules.review_due,
            open=True,
            total=len(items),
        )
        await self._store.put_items(campaign.id, items)
        started = await self._store.start(
            campaign,
            scheduled_before=scheduled_before,
            detail=f"review of {registry.name}: {len(items)} tokens, due {campaign.due_at.date()}",
        )
        if not started.started:
            await self._store.drop_items(campaign.id)
            return None
        return await self.post(campaign)

    async def post(self, campaign: Campaign) -> Campaign:
        """Post the campaign in its channel (a Slack failure propagates: the campaign stays
        open without a message, and `unposted` finds it for the next try)."""
        ts = await self._notifier.post_campaign(campaign, self._clock.now())
        await self._store.set_message(campaign.id, ts)
        return await self._store.get(campaign.id) or campaign

    async def unposted(self, registry_id: str) -> Campaign | None:
        """The registry's open campaign if its message never reached Slack."""
        campaign_id = await self._store.open_campaign(registry_id)
        campaign = await self._store.get(campaign_id) if campaign_id else None
        return campaign if campaign is not None and not campaign.message_ts else None

    async def _snapshot(self, registry: Registry) -> list[ReviewItem]:
        items: list[ReviewItem] = []
        seen: set[str] = set()
        async for page in self._api.iter_token_pages(registry.id):
            tokens = [t for t in page.items or [] if t.id not in seen]
            seen.update(t.id for t in tokens)
            ids = [t.id for t in tokens]
            owners = await self._ownership.owners_of(ids)
            reviewed = await self._store.last_reviewed(ids)
            items.extend(
                ReviewItem(
                    token_id=t.id,
                    token_name=t.name,
                    owner=owners.get(t.id),
                    scopes=scopes_text(t),
                    status=str(t.status or TokenStatus.ENABLED),
                    expiry=t.expiry_date,
                    last_reviewed=reviewed.get(t.id),
                )
                for t in tokens
            )
        return items

    # the modal ------------------------------------------------------------------------------
    async def page(self, actor: str, campaign_id: str, page: int) -> ReviewPage:
        campaign = await self.campaign(campaign_id)
        await self.require_approver(actor, campaign, "", "review: open the list")
        total = await self._store.count(campaign_id)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        items = await self._store.items(campaign_id, page * PAGE_SIZE, PAGE_SIZE)
        owners = await self._ownership.owners_of([i.token_id for i in items])
        return ReviewPage(campaign, items, page, pages, actor, owners)

    # checks ---------------------------------------------------------------------------------
    async def campaign(self, campaign_id: str) -> Campaign:
        campaign = await self._store.get(campaign_id)
        if campaign is None:
            raise UnknownRequest("This review does not exist any more.")
        return campaign

    async def require_approver(
        self, actor: str, campaign: Campaign, token_id: str, what: str
    ) -> None:
        async def unverified(detail: str) -> None:
            await self.refuse(
                actor, campaign.registry_id, token_id, f"{what}: {detail}", campaign.id
            )

        if await self._approvers.check(actor, campaign.registry_name, refuse=unverified):
            return
        await self.refuse(
            actor, campaign.registry_id, token_id, f"{what}: not an approver", campaign.id
        )
        raise NotAllowed(f"Only the approvers of `{campaign.registry_name}` review its tokens.")

    async def refuse(
        self, actor: str, registry_id: str, token_id: str, detail: str, campaign_id: str = ""
    ) -> None:
        await self._audit.append(
            at=self._clock.now(),
            actor=actor,
            action=AuditAction.REFUSED,
            outcome=Outcome.REFUSED,
            registry=registry_id,
            token=token_id,
            request_id=campaign_id,
            detail=detail,
        )
