"""The review campaigns' housekeeping, run by the scheduler after each sweep.

1. Registries whose policy has ``reviews: {every_days, due_days}`` get a campaign when none is
   open and the last one started ``every_days`` ago (or never): the start is one Lua script that
   re-checks both, so replicas (or two ``regbot sweep --once``) open it exactly once.
2. Campaigns past their due date are closed, once: tokens IONOS no longer has are marked gone,
   the summary (kept, disabled, deleted, not reviewed) goes to the channel. Tokens nobody
   reviewed stay decidable and are listed in the daily digest (`overdue_for`) until decided.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.domain.reviews import SCHEDULER, Campaign, ItemState, OverdueReview
from bot.ionos.models import Registry
from bot.policy.model import Policy
from bot.services.catalog import RegistryCatalog
from bot.services.ports import ReviewNotifier, ReviewRepository, TokensApi
from bot.services.reviews import ReviewService

log = logging.getLogger(__name__)

DIGEST_NAMES = 10  # not-reviewed tokens named per campaign in the digest


@dataclass(frozen=True)
class ReviewReport:
    started: int = 0
    closed: int = 0
    failures: int = 0


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class ReviewHousekeeping:
    def __init__(
        self,
        *,
        reviews: ReviewService,
        api: TokensApi,
        catalog: RegistryCatalog,
        store: ReviewRepository,
        notifier: ReviewNotifier,
        policy: Policy,
    ) -> None:
        self._reviews = reviews
        self._api = api
        self._catalog = catalog
        self._store = store
        self._notifier = notifier
        self._policy = policy

    async def housekeeping(self, now: datetime) -> ReviewReport:
        started = closed = failures = 0
        if self._scheduling():
            for registry in await self._catalog.registries():
                try:
                    started += await self._maybe_start(registry, now)
                except Exception:  # one registry's failure must not stop the others
                    log.exception("scheduled review failed", extra={"registry": registry.name})
                    failures += 1
        for campaign_id in await self._store.due(now):
            try:
                closed += await self._close(campaign_id, now)
            except Exception:
                log.exception("closing a review failed", extra={"campaign": campaign_id})
                failures += 1
        return ReviewReport(started, closed, failures)

    def _scheduling(self) -> bool:
        rules = [self._policy.defaults.reviews] + [
            r.reviews for r in self._policy.registries.values()
        ]
        return any(rules)

    async def _maybe_start(self, registry: Registry, now: datetime) -> int:
        if not self._policy.governs(registry.name):
            return 0
        schedule = self._policy.for_registry(registry.name).reviews
        if schedule is None:
            return 0
        unposted = await self._reviews.unposted(registry.id)
        if unposted is not None:  # opened, but Slack did not take its message: again
            await self._reviews.post(unposted)
            return 0
        if await self._store.open_campaign(registry.id):
            return 0
        due_if_before = now - schedule.every
        last = await self._store.last_start_ms(registry.id)
        if last is not None and last > _ms(due_if_before):
            return 0  # cheap pre-check; the script checks again atomically
        campaign = await self._reviews.open(registry, SCHEDULER, scheduled_before=due_if_before)
        return 1 if campaign is not None else 0

    async def _close(self, campaign_id: str, now: datetime) -> int:
        campaign = await self._store.get(campaign_id)
        if campaign is None or not campaign.open:
            return 0
        await self._mark_gone(campaign, now)
        counted = await self._store.get(campaign_id) or campaign
        detail = (
            f"review of {campaign.registry_name} closed: {counted.kept} kept, "
            f"{counted.disabled} disabled, {counted.deleted} deleted, "
            f"{counted.not_reviewed} not reviewed, {counted.gone} gone"
        )
        if not await self._store.close(counted, at=now, detail=detail):
            return 0  # another replica closed it
        closed = await self._store.get(campaign_id) or counted
        await self._notifier.post_summary(closed)
        if closed.message_ts:
            await self._notifier.update_campaign(closed, now)
        return 1

    async def _mark_gone(self, campaign: Campaign, now: datetime) -> None:
        present: set[str] = set()
        async for page in self._api.iter_token_pages(campaign.registry_id):
            present.update(t.id for t in page.items or [])
        for item in await self._store.items(campaign.id):
            if item.state is ItemState.PENDING and item.token_id not in present:
                await self._store.step(
                    "gone",
                    campaign.id,
                    item.token_id,
                    actor=SCHEDULER,
                    at=now,
                    detail=f"reviewed: token {item.token_name} is gone",
                )

    async def overdue_for(self, channel: str) -> list[OverdueReview]:
        """Closed campaigns of this channel with tokens nobody reviewed yet."""
        found: list[OverdueReview] = []
        for campaign_id in await self._store.unfinished():
            campaign = await self._store.get(campaign_id)
            if campaign is None or campaign.channel != channel or campaign.not_reviewed == 0:
                continue
            waiting = [i for i in await self._store.items(campaign_id) if not i.state.decided]
            waiting = [i for i in waiting if i.state is not ItemState.GONE]
            found.append(
                OverdueReview(
                    campaign_id=campaign.id,
                    registry_name=campaign.registry_name,
                    due_at=campaign.due_at,
                    token_names=tuple(i.token_name for i in waiting[:DIGEST_NAMES]),
                    total=len(waiting),
                )
            )
        return found
