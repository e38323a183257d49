"""The ports of access reviews and token owners (beside `bot.services.ports`).

`ReviewRepository` is `bot.store.reviews.ReviewStore`, `OwnerCare` is
`bot.store.owner_care.OwnerCareStore`; `ReviewNotifier` and `People` are the Slack adapter
(`handlers.notifiers.reviews`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.reminders import TokenRef
from bot.domain.reviews import Campaign, Decision, ReviewItem


class StartedCampaign(Protocol):
    @property
    def started(self) -> bool: ...
    @property
    def campaign_id(self) -> str: ...
    @property
    def why(self) -> str: ...


class StepOutcome(Protocol):
    @property
    def outcome(self) -> str: ...
    @property
    def item(self) -> ReviewItem | None: ...


class ReviewRepository(Protocol):
    async def open_campaign(self, registry_id: str) -> str | None: ...
    async def last_start_ms(self, registry_id: str) -> int | None: ...
    async def put_items(self, campaign_id: str, items: list[ReviewItem]) -> None: ...
    async def drop_items(self, campaign_id: str) -> None: ...
    async def start(
        self, campaign: Campaign, *, scheduled_before: datetime | None, detail: str
    ) -> StartedCampaign: ...
    async def get(self, campaign_id: str) -> Campaign | None: ...
    async def set_message(self, campaign_id: str, ts: str) -> None: ...
    async def campaigns_of(self, registry_name: str) -> list[str]: ...
    async def due(self, now: datetime) -> list[str]: ...
    async def unfinished(self) -> list[str]: ...
    async def close(self, campaign: Campaign, *, at: datetime, detail: str) -> bool: ...
    async def count(self, campaign_id: str) -> int: ...
    async def items(
        self, campaign_id: str, start: int = 0, count: int = -1
    ) -> list[ReviewItem]: ...
    async def item(self, campaign_id: str, token_id: str) -> ReviewItem | None: ...
    async def step(
        self,
        step: str,
        campaign_id: str,
        token_id: str,
        *,
        actor: str,
        at: datetime,
        decision: str = "",
        note: str = "",
        stale_after: timedelta = ...,
        detail: str = "",
    ) -> StepOutcome: ...
    async def last_reviewed(self, token_ids: list[str]) -> dict[str, datetime]: ...


class OwnerCare(Protocol):
    """`bot.store.owner_care.OwnerCareStore`."""

    async def assign_owner(
        self,
        *,
        token_id: str,
        owner: str,
        registry_id: str,
        registry_name: str,
        token_name: str,
        at: datetime,
        expiry: datetime | None,
    ) -> None: ...
    async def owner_known_active(self, user_id: str) -> bool: ...
    async def remember_owner_active(self, user_id: str, ttl: timedelta) -> None: ...
    def owner_left_item(self, token_id: str, owner: str) -> str: ...


class ReviewNotifier(Protocol):
    async def post_campaign(self, campaign: Campaign, now: datetime) -> str:
        """Post the campaign in its channel; return the message's ts."""
        ...

    async def update_campaign(self, campaign: Campaign, now: datetime) -> None:
        """Show the campaign's progress ("12 of 40 decided") in its message."""
        ...

    async def post_summary(self, campaign: Campaign) -> None:
        """At the due date: kept, disabled, deleted, not reviewed."""
        ...

    async def tell_owner(
        self, owner: str, campaign: Campaign, item: ReviewItem, decision: Decision
    ) -> None:
        """A DM to the owner: their token was disabled or deleted by a review, with the note."""
        ...

    async def tell_new_owner(self, owner: str, ref: TokenRef, by: str) -> None:
        """A DM to someone who was made a token's owner."""
        ...

    async def report_owner_left(self, channel: str, ref: TokenRef, owner: str, why: str) -> bool:
        """To the approvers: the token's owner left (Assign owner, Disable). False: not sent."""
        ...


class PersonStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"  # users.info: deleted = true
    UNREACHABLE = "unreachable"  # users.info: user_not_found and the like
    BOT = "bot"
    UNKNOWN = "unknown"  # Slack did not answer: ask again later


class People(Protocol):
    async def status(self, user_id: str) -> PersonStatus: ...
