"""What regbot tells one person, in their DM with the bot: the requester (their request's
outcome, the one-time password, extension and rotation steps), a token's owner (what an approver
or a review did to it, its coming expiry, that they were made its owner) and a break-glass
holder (their token was revoked).

With ``homes``, every step that changes what the person's Home shows also refreshes it
(`HomePublisher.refresh` only notes it; the publishing happens in the background): a notice
about their request, a lifecycle DM (and the requester's Home), an expiry reminder Slack took.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock
from bot.domain.models import TokenRequest
from bot.domain.reminders import Reminder, TokenRef
from bot.domain.reviews import Campaign, Decision, ReviewItem
from bot.services.ports import DeliveredCredentials, LifecycleNotice, OwnerChange, RequesterNotice
from handlers.notifiers.sending import PacedPost, quietly, sweep_post
from handlers.services import HomeUpdates
from handlers.views.breakglass import revoked_message
from handlers.views.owners import new_owner_dm, owner_change_message
from handlers.views.reminders import reminder_message
from handlers.views.renewals import lifecycle_message
from handlers.views.requester import credentials_message, requester_message
from handlers.views.reviews import owner_told

log = logging.getLogger(__name__)


class PeopleNotifier:
    """`OwnerNotifier` and `RevokedNotice`, and the person's side of `Notifier`,
    `LifecycleNotifier`, `ReminderNotifier` and `ReviewNotifier` (`SlackNotices` routes them)."""

    def __init__(
        self,
        client: AsyncWebClient,
        clock: Clock,
        *,
        homes: HomeUpdates | None = None,
        paced: PacedPost | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._homes = homes
        # only the sweep's notifiers get one: paced per channel, on the client without
        # retries (a reminder is left for the next sweep, never resent)
        self._paced_post = paced

    def _refresh(self, *users: str) -> None:
        if self._homes is not None:
            self._homes.refresh(*users)

    # the requester ------------------------------------------------------------------------
    async def open_dm(self, user_id: str) -> str:
        response = await self._client.conversations_open(users=user_id)
        return str(response["channel"]["id"])

    async def tell_requester(self, request: TokenRequest, notice: RequesterNotice) -> str:
        try:
            channel = request.requester_channel or await self.open_dm(request.requester)
            body = requester_message(request, notice, self._clock.now())
            await self._client.chat_postMessage(channel=channel, **body)
            return channel
        finally:
            self._refresh(request.requester)

    async def deliver_credentials(
        self, user_id: str, channel: str, credentials: DeliveredCredentials
    ) -> bool:
        body = credentials_message(credentials)
        try:
            await self._client.chat_postEphemeral(channel=channel, user=user_id, **body)
        except SlackApiError as exc:
            log.warning(
                "credential delivery refused by Slack",
                extra={"user": user_id, "error": exc.response.get("error", "unknown")},
            )
            return False
        except Exception:  # noqa: BLE001 - any failure means "not delivered": roll back
            log.warning("credential delivery failed", extra={"user": user_id}, exc_info=False)
            return False
        return True

    async def tell(
        self, user_id: str, request: TokenRequest, notice: LifecycleNotice, detail: str = ""
    ) -> None:
        """A lifecycle DM (extended, rotated, the old token disabled...)."""
        try:
            if user_id == request.requester and request.requester_channel:
                channel = request.requester_channel
            else:
                opened = await self._client.conversations_open(users=user_id)
                channel = str(opened["channel"]["id"])
            body = lifecycle_message(request, notice, detail, self._clock.now())
            await self._client.chat_postMessage(channel=channel, **body)
        finally:
            self._refresh(user_id, request.requester)

    # a token's owner or holder ------------------------------------------------------------
    async def tell_owner(self, change: OwnerChange) -> None:
        """What an approver did to their token; raises when Slack does not take it."""
        opened = await self._client.conversations_open(users=change.owner)
        channel = str(opened["channel"]["id"])
        await self._client.chat_postMessage(channel=channel, **owner_change_message(change))

    async def tell_revoked(self, request: TokenRequest, actor: str) -> None:
        channel = request.requester_channel or request.requester
        await self._client.chat_postMessage(channel=channel, **revoked_message(request, actor))

    async def remind_owner(self, reminder: Reminder) -> bool:
        """Paced, never retried (`PacedPost`); refreshes the owner's Home once Slack took it
        (their token's expiry, in words, has moved on since it was last published)."""
        if reminder.owner is None:
            raise ValueError("remind_owner needs a reminder with an owner")
        # Posting to a user id lands in the bot's DM with them (no conversations.open needed).
        sent = await sweep_post(self._paced_post)(
            reminder.owner, reminder_message(reminder, self._clock.now()), person=reminder.owner
        )
        if sent and reminder.owner:
            self._refresh(reminder.owner)
        return sent

    async def tell_review_outcome(
        self, owner: str, campaign: Campaign, item: ReviewItem, decision: Decision
    ) -> None:
        """A review disabled or deleted their token (with the note); failure is swallowed."""
        body = owner_told(campaign, item, decision)
        await quietly("owner told", self._client.chat_postMessage, channel=owner, **body)

    async def tell_new_owner(self, owner: str, ref: TokenRef, by: str) -> None:
        body = new_owner_dm(ref, by)
        await quietly("new owner told", self._client.chat_postMessage, channel=owner, **body)
