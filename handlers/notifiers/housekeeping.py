"""The Slack side of `LifecycleNotifier`: nudges in the approval thread, lifecycle DMs."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock
from bot.domain.models import TokenRequest
from bot.services.ports import LifecycleNotice
from handlers.views.renewals import lifecycle_message, nudge_message


class SlackLifecycleNotifier:
    def __init__(self, client: AsyncWebClient, clock: Clock) -> None:
        self._client = client
        self._clock = clock

    async def nudge_approvers(
        self, request: TokenRequest, approvers: Sequence[str], count: int
    ) -> None:
        if not request.approval_channel:
            return
        body = nudge_message(request, approvers, count, self._clock.now())
        await self._client.chat_postMessage(
            channel=request.approval_channel, thread_ts=request.approval_ts, **body
        )

    async def tell(
        self, user_id: str, request: TokenRequest, notice: LifecycleNotice, detail: str = ""
    ) -> None:
        if user_id == request.requester and request.requester_channel:
            channel = request.requester_channel
        else:
            opened = await self._client.conversations_open(users=user_id)
            channel = str(opened["channel"]["id"])
        body = lifecycle_message(request, notice, detail, self._clock.now())
        await self._client.chat_postMessage(channel=channel, **body)
