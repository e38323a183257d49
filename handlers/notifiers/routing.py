"""The services' notifier ports that speak to more than one audience, each method sent by the
audience notifier of whom hears it.

A port is shaped by what its service needs (the request flow both posts to the approvers and
DMs the requester), a notifier by who hears it (`people`, `approvers`, `security`): this class
joins the two, one line a method, and sends nothing itself. Ports with one audience
(`OwnerNotifier`, `RevokedNotice`, `EscalationNotifier`) take the audience notifier directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.models import TokenRequest
from bot.domain.reminders import Digest, Reminder, TokenRef
from bot.domain.reviews import Campaign, Decision, ReviewItem
from bot.services.ports import DeliveredCredentials, LifecycleNotice, RequesterNotice
from handlers.notifiers.approvers import ApproverNotifier
from handlers.notifiers.people import PeopleNotifier
from handlers.notifiers.security import SecurityNotifier


class SlackNotices:
    """`Notifier`, `LifecycleNotifier`, `BreakGlassNotifier`, `ReviewNotifier` and
    `ReminderNotifier`."""

    def __init__(
        self, people: PeopleNotifier, approvers: ApproverNotifier, security: SecurityNotifier
    ) -> None:
        self.people, self.approvers, self.security = people, approvers, security

    # Notifier: the request flow ------------------------------------------------------------
    async def post_approval_request(self, request: TokenRequest, channel: str) -> tuple[str, str]:
        return await self.approvers.post_approval_request(request, channel)

    async def update_approval_message(self, request: TokenRequest) -> None:
        await self.approvers.update_approval_message(request)

    async def tell_requester(self, request: TokenRequest, notice: RequesterNotice) -> str:
        return await self.people.tell_requester(request, notice)

    async def open_dm(self, user_id: str) -> str:
        return await self.people.open_dm(user_id)

    async def deliver_credentials(
        self, user_id: str, channel: str, credentials: DeliveredCredentials
    ) -> bool:
        return await self.people.deliver_credentials(user_id, channel, credentials)

    # LifecycleNotifier: extend, rotate, housekeeping --------------------------------------
    async def nudge_approvers(
        self, request: TokenRequest, approvers: Sequence[str], count: int
    ) -> None:
        await self.approvers.nudge_approvers(request, approvers, count)

    async def tell(
        self, user_id: str, request: TokenRequest, notice: LifecycleNotice, detail: str = ""
    ) -> None:
        await self.people.tell(user_id, request, notice, detail)

    # BreakGlassNotifier -------------------------------------------------------------------
    async def alert(self, request: TokenRequest, channel: str) -> None:
        await self.security.alert(request, channel)

    async def post_review(self, request: TokenRequest, channel: str) -> tuple[str, str]:
        return await self.approvers.post_review(request, channel)

    # ReviewNotifier: access reviews and token owners ---------------------------------------
    async def post_campaign(self, campaign: Campaign, now: datetime) -> str:
        return await self.approvers.post_campaign(campaign, now)

    async def update_campaign(self, campaign: Campaign, now: datetime) -> None:
        await self.approvers.update_campaign(campaign, now)

    async def post_summary(self, campaign: Campaign) -> None:
        await self.approvers.post_summary(campaign)

    async def tell_owner(
        self, owner: str, campaign: Campaign, item: ReviewItem, decision: Decision
    ) -> None:
        await self.people.tell_review_outcome(owner, campaign, item, decision)

    async def tell_new_owner(self, owner: str, ref: TokenRef, by: str) -> None:
        await self.people.tell_new_owner(owner, ref, by)

    async def report_owner_left(self, channel: str, ref: TokenRef, owner: str, why: str) -> bool:
        return await self.approvers.report_owner_left(channel, ref, owner, why)

    # ReminderNotifier: the expiry sweep ---------------------------------------------------
    async def remind_owner(self, reminder: Reminder) -> bool:
        return await self.people.remind_owner(reminder)

    async def report_unowned(self, channel: str, reminder: Reminder) -> bool:
        return await self.approvers.report_unowned(channel, reminder)

    async def post_digest(self, digest: Digest) -> bool:
        return await self.approvers.post_digest(digest)
