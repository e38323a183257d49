"""What regbot tells a registry's approvers, in its approval channel (or the escalation
channel): a request to decide and its later state, nudges in its thread, the backups' copy of an
escalated request, a break-glass token's post-hoc review, access review campaigns, and the
sweep's reports (a token nobody owns, an owner who left, the daily digest).

With ``homes``, a new request refreshes the Home of its registry's approvers, and an update of
its message refreshes theirs and the requester's (`HomePublisher.refresh` only notes it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock
from bot.domain.models import RequestState, TokenRequest
from bot.domain.reminders import Digest, Reminder, TokenRef
from bot.domain.reviews import Campaign
from handlers.notifiers.sending import PacedPost, quietly, sweep_post
from handlers.services import HomeUpdates
from handlers.views.approval import approval_message
from handlers.views.breakglass import review_message
from handlers.views.escalation import escalation_message
from handlers.views.owners import owner_left_message
from handlers.views.reminders import digest_message, unowned_message
from handlers.views.renewals import nudge_message
from handlers.views.reviews import campaign_message, summary_message


class ApproverNotifier:
    """`EscalationNotifier`, and the approvers' side of `Notifier`, `LifecycleNotifier`,
    `BreakGlassNotifier`, `ReviewNotifier` and `ReminderNotifier` (`SlackNotices` routes them).

    Its approval-message updates show the request as it is when the update goes out (read
    again through ``latest``, one update per request at a time in this process): an approval
    and a withdrawal racing each other then cannot leave the older state showing in the
    channel."""

    def __init__(
        self,
        client: AsyncWebClient,
        clock: Clock,
        *,
        homes: HomeUpdates | None = None,
        latest: Callable[[str], Awaitable[TokenRequest | None]] | None = None,
        paced: PacedPost | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._homes = homes
        self._latest = latest
        # only the sweep's notifiers get one: paced per channel, on the client without
        # retries (a reminder is left for the next sweep, never resent)
        self._paced_post = paced
        self._updating: dict[str, tuple[asyncio.Lock, int]] = {}  # request id -> lock, users

    def _refresh(self, *users: str, registry: str) -> None:
        if self._homes is not None:
            self._homes.refresh(*users, registries=[registry])

    # a request to decide ------------------------------------------------------------------
    async def post_approval_request(self, request: TokenRequest, channel: str) -> tuple[str, str]:
        try:
            body = approval_message(request, self._clock.now())
            response = await self._client.chat_postMessage(channel=channel, **body)
            return str(response["channel"]), str(response["ts"])
        finally:  # the requester's Home follows with tell_requester
            self._refresh(registry=request.ask.registry_name)

    async def update_approval_message(self, request: TokenRequest) -> None:
        lock, users = self._updating.get(request.id) or (asyncio.Lock(), 0)
        self._updating[request.id] = (lock, users + 1)
        try:
            async with lock:
                current = await self._latest(request.id) if self._latest else None
                await self._update_approval_message(current or request)
        finally:
            lock, users = self._updating[request.id]
            if users == 1:
                del self._updating[request.id]
            else:
                self._updating[request.id] = (lock, users - 1)
            self._refresh(request.requester, registry=request.ask.registry_name)

    async def _update_approval_message(self, request: TokenRequest) -> None:
        now = self._clock.now()
        channel, ts = request.escalation_channel, request.escalation_ts
        # the backups' copy, once decided (while pending it still names them, as posted)
        if channel and ts and request.state is not RequestState.PENDING:
            await self._client.chat_update(
                channel=channel,
                ts=ts,
                **escalation_message(request, (), now),
            )
        if not (request.approval_channel and request.approval_ts):
            return
        # a break-glass request's message is its post-hoc review
        build = review_message if request.break_glass else approval_message
        body = build(request, now)
        await self._client.chat_update(
            channel=request.approval_channel,
            ts=request.approval_ts,
            **body,
        )

    async def nudge_approvers(
        self, request: TokenRequest, approvers: Sequence[str], count: int
    ) -> None:
        if not request.approval_channel:
            return
        body = nudge_message(request, approvers, count, self._clock.now())
        await self._client.chat_postMessage(
            channel=request.approval_channel, thread_ts=request.approval_ts, **body
        )

    async def post_escalation(
        self, request: TokenRequest, channel: str, backups: Sequence[str]
    ) -> tuple[str, str]:
        body = escalation_message(request, backups, self._clock.now())
        response = await self._client.chat_postMessage(channel=channel, **body)
        return str(response["channel"]), str(response["ts"])

    async def post_review(self, request: TokenRequest, channel: str) -> tuple[str, str]:
        """A break-glass token's post-hoc review (Acknowledge, Revoke now)."""
        body = review_message(request, self._clock.now())
        response = await self._client.chat_postMessage(channel=channel, **body)
        return str(response["channel"]), str(response["ts"])

    # access reviews -----------------------------------------------------------------------
    async def post_campaign(self, campaign: Campaign, now: datetime) -> str:
        answer = await self._client.chat_postMessage(
            channel=campaign.channel, **campaign_message(campaign, now)
        )
        return str(answer.get("ts") or "")

    async def update_campaign(self, campaign: Campaign, now: datetime) -> None:
        await quietly(
            "campaign progress",
            self._client.chat_update,
            channel=campaign.channel,
            ts=campaign.message_ts,
            **campaign_message(campaign, now),
        )

    async def post_summary(self, campaign: Campaign) -> None:
        await self._client.chat_postMessage(channel=campaign.channel, **summary_message(campaign))

    # the sweep's reports ------------------------------------------------------------------
    async def report_owner_left(self, channel: str, ref: TokenRef, owner: str, why: str) -> bool:
        return await quietly(
            "owner left",
            self._client.chat_postMessage,
            channel=channel,
            **owner_left_message(ref, owner, why),
        )

    async def report_unowned(self, channel: str, reminder: Reminder) -> bool:
        return await sweep_post(self._paced_post)(
            channel, unowned_message(reminder, self._clock.now())
        )

    async def post_digest(self, digest: Digest) -> bool:
        return await sweep_post(self._paced_post)(
            digest.channel, digest_message(digest, self._clock.now())
        )
