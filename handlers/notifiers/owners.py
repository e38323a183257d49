"""The Slack side of `OwnerNotifier`: a DM to a token's owner about what an approver did."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.services.ports import OwnerChange
from handlers.views.owners import owner_change_message


class SlackOwnerNotifier:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def tell_owner(self, change: OwnerChange) -> None:
        opened = await self._client.conversations_open(users=change.owner)
        channel = str(opened["channel"]["id"])
        await self._client.chat_postMessage(channel=channel, **owner_change_message(change))
