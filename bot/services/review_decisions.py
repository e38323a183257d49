"""Keep, disable or delete one token of a review campaign (the rules: `bot.services.reviews`).

``decide`` checks the clicker (an approver of the campaign's registry, not the token's owner in
the snapshot nor now), claims the token (``review_item.lua``: once), applies a disable (PATCH
status) or delete at IONOS, then records the decision (audited "reviewed: <decision> by <who>,
note: …"), updates the campaign's progress and tells the owner. IONOS failing releases the
claim (audited ``failed``); IONOS not knowing the token any more marks it gone.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.domain.errors import (
    AlreadyDecided,
    InvalidInput,
    NotAllowed,
    ServiceUnavailable,
    UnknownRequest,
)
from bot.domain.reviews import Campaign, Decision, ItemState, ReviewItem
from bot.ionos.errors import IonosError, NotFound
from bot.ionos.models import TokenPatch, TokenStatus
from bot.services.ports import OwnershipRepository, ReviewNotifier, ReviewRepository, TokensApi
from bot.services.reviews import ReviewService
from bot.services.words import mention

NOTE_MAX = 500


@dataclass(frozen=True)
class Decided:
    campaign: Campaign
    item: ReviewItem


class ReviewDecisions:
    def __init__(
        self,
        *,
        reviews: ReviewService,
        api: TokensApi,
        ownership: OwnershipRepository,
        store: ReviewRepository,
        notifier: ReviewNotifier,
        clock: Clock,
    ) -> None:
        self._reviews = reviews
        self._api = api
        self._ownership = ownership
        self._store = store
        self._notifier = notifier
        self._clock = clock

    async def decide(
        self, actor: str, campaign_id: str, token_id: str, decision: Decision, note: str
    ) -> Decided:
        note = " ".join(note.split())
        if len(note) > NOTE_MAX:
            raise InvalidInput(
                f"The note is too long ({len(note)} characters, {NOTE_MAX} at most)."
            )
        campaign = await self._reviews.campaign(campaign_id)
        await self._reviews.require_approver(actor, campaign, token_id, f"review: {decision}")
        item = await self._store.item(campaign_id, token_id)
        if item is None:
            await self._reviews.refuse(
                actor, campaign.registry_id, token_id, "review: token not in it", campaign.id
            )
            raise UnknownRequest("That token is not part of this review.")
        owned = await self._ownership.get(token_id)
        if actor in (item.owner, owned.owner if owned else None):
            await self._reviews.refuse(
                actor, campaign.registry_id, token_id, "review: own token", campaign.id
            )
            raise NotAllowed(
                f"You own `{item.token_name}`: another approver of `{campaign.registry_name}` "
                "reviews it."
            )
        now = self._clock.now()
        claim = await self._store.step(
            "claim", campaign_id, token_id, actor=actor, at=now, decision=str(decision), note=note
        )
        if claim.outcome == "own":  # the snapshot's owner, checked again inside the script
            await self._reviews.refuse(
                actor, campaign.registry_id, token_id, "review: own token", campaign.id
            )
            raise NotAllowed(f"You own `{item.token_name}`: another approver reviews it.")
        if claim.outcome != "claimed":
            await self._reviews.refuse(
                actor, campaign.registry_id, token_id, f"review: {claim.outcome}", campaign.id
            )
            reviewer = claim.item.reviewer if claim.item else None
            raise AlreadyDecided(
                _already(item.token_name, claim.item), people=(reviewer,) if reviewer else ()
            )
        owner = (owned.owner if owned else None) or item.owner  # whoever owns it now is told
        return await self._apply(actor, campaign, item, decision, note, owner)

    async def _apply(
        self,
        actor: str,
        campaign: Campaign,
        item: ReviewItem,
        decision: Decision,
        note: str,
        owner: str | None,
    ) -> Decided:
        detail = f"reviewed: {decision} by {actor}, token {item.token_name}" + (
            f", note: {note}" if note else ""
        )
        try:
            if decision is Decision.DISABLE:
                patch = TokenPatch(status=TokenStatus.DISABLED)
                await self._api.patch_token(campaign.registry_id, item.token_id, patch)
            elif decision is Decision.DELETE:
                await self._api.delete_token(campaign.registry_id, item.token_id)
                await self._ownership.forget(item.token_id)
        except NotFound:
            await self._step(
                "gone", campaign, item, actor, detail=f"reviewed: token {item.token_name} is gone"
            )
            await self._progress(campaign.id)
            raise AlreadyDecided(
                f"`{item.token_name}` no longer exists at IONOS; it is marked gone."
            ) from None
        except IonosError as exc:
            await self._step("release", campaign, item, actor, detail=f"{detail}: {exc.summary}")
            raise ServiceUnavailable(
                f"IONOS could not {decision} `{item.token_name}` ({exc.summary}). Nothing was "
                "decided; try again."
            ) from None
        done = await self._step(
            "done", campaign, item, actor, decision=decision, note=note, detail=detail
        )
        updated = await self._progress(campaign.id) or campaign
        if decision is not Decision.KEEP and owner:
            await self._notifier.tell_owner(owner, updated, done, decision)
        return Decided(updated, done)

    async def _step(
        self,
        step: str,
        campaign: Campaign,
        item: ReviewItem,
        actor: str,
        *,
        decision: Decision | None = None,
        note: str = "",
        detail: str,
    ) -> ReviewItem:
        result = await self._store.step(
            step,
            campaign.id,
            item.token_id,
            actor=actor,
            at=self._clock.now(),
            decision=str(decision or ""),
            note=note,
            detail=detail,
        )
        return result.item or item

    async def _progress(self, campaign_id: str) -> Campaign | None:
        campaign = await self._store.get(campaign_id)
        if campaign is not None and campaign.message_ts:
            await self._notifier.update_campaign(campaign, self._clock.now())
        return campaign


def _already(name: str, item: ReviewItem | None) -> str:
    if item is None:
        return f"`{name}` is not part of this review."
    if item.state is ItemState.GONE:
        return f"`{name}` was deleted meanwhile; it is marked gone."
    if item.state is ItemState.DECIDING:
        return f"Someone is deciding on `{name}` right now."
    return f"`{name}` was already reviewed: {item.state} by {mention(item.reviewer)}."
