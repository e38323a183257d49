"""What regbot tells the security channel (``notify_channel``): a break-glass token was taken."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock
from bot.domain.models import TokenRequest
from handlers.views.breakglass import alert_message


class SecurityNotifier:
    """The security channel's side of `BreakGlassNotifier` (`SlackNotices` routes it)."""

    def __init__(self, client: AsyncWebClient, clock: Clock) -> None:
        self._client = client
        self._clock = clock

    async def alert(self, request: TokenRequest, channel: str) -> None:
        """Who, which registry, which scopes, why."""
        body = alert_message(request, self._clock.now())
        await self._client.chat_postMessage(channel=channel, **body)
