"""The Slack side of the policy rules' ports: break-glass alerts and reviews, escalations."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock
from bot.domain.models import TokenRequest
from handlers.views.breakglass import alert_message, review_message, revoked_message
from handlers.views.escalation import escalation_message


class SlackRulesNotifier:
    def __init__(self, client: AsyncWebClient, clock: Clock) -> None:
        self._client = client
        self._clock = clock

    async def alert(self, request: TokenRequest, channel: str) -> None:
        body = alert_message(request, self._clock.now())
        await self._client.chat_postMessage(channel=channel, **body)

    async def post_review(self, request: TokenRequest, channel: str) -> tuple[str, str]:
        body = review_message(request, self._clock.now())
        response = await self._client.chat_postMessage(channel=channel, **body)
        return str(response["channel"]), str(response["ts"])

    async def tell_revoked(self, request: TokenRequest, actor: str) -> None:
        channel = request.requester_channel or request.requester
        await self._client.chat_postMessage(channel=channel, **revoked_message(request, actor))

    async def post_escalation(
        self, request: TokenRequest, channel: str, backups: Sequence[str]
    ) -> tuple[str, str]:
        body = escalation_message(request, backups, self._clock.now())
        response = await self._client.chat_postMessage(channel=channel, **body)
        return str(response["channel"]), str(response["ts"])
