"""The Slack side of access reviews and token owners: `ReviewNotifier` and `People`.

A message that tells people something after the change was made (the owner's DM, the
campaign's progress) must not turn a done decision into an error: its failure is logged and
swallowed. The campaign post itself and the "owner left" report do report failure.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.reminders import TokenRef
from bot.domain.reviews import Campaign, Decision, ReviewItem
from bot.services.ports import PersonStatus
from handlers.views.owners import new_owner_dm, owner_left_message
from handlers.views.reviews import campaign_message, owner_told, summary_message

log = logging.getLogger(__name__)

GONE = frozenset({"user_not_found", "account_inactive", "user_disabled"})


class SlackReviewNotifier:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def post_campaign(self, campaign: Campaign, now: datetime) -> str:
        answer = await self._client.chat_postMessage(
            channel=campaign.channel, **campaign_message(campaign, now)
        )
        return str(answer.get("ts") or "")

    async def update_campaign(self, campaign: Campaign, now: datetime) -> None:
        await self._quietly(
            "campaign progress",
            self._client.chat_update,
            channel=campaign.channel,
            ts=campaign.message_ts,
            **campaign_message(campaign, now),
        )

    async def post_summary(self, campaign: Campaign) -> None:
        await self._client.chat_postMessage(channel=campaign.channel, **summary_message(campaign))

    async def tell_owner(
        self, owner: str, campaign: Campaign, item: ReviewItem, decision: Decision
    ) -> None:
        body = owner_told(campaign, item, decision)
        await self._quietly("owner told", self._client.chat_postMessage, channel=owner, **body)

    async def tell_new_owner(self, owner: str, ref: TokenRef, by: str) -> None:
        body = new_owner_dm(ref, by)
        await self._quietly("new owner told", self._client.chat_postMessage, channel=owner, **body)

    async def report_owner_left(self, channel: str, ref: TokenRef, owner: str, why: str) -> bool:
        return await self._quietly(
            "owner left",
            self._client.chat_postMessage,
            channel=channel,
            **owner_left_message(ref, owner, why),
        )

    @staticmethod
    async def _quietly(what: str, call: Any, **kwargs: Any) -> bool:
        try:
            await call(**kwargs)
        except Exception as exc:  # noqa: BLE001 - the change is made; the message is a courtesy
            log.warning("slack message not sent", extra={"what": what, "error": repr(exc)})
            return False
        return True


class SlackPeople:
    """`People` through ``users.info`` (scope ``users:read``)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def status(self, user_id: str) -> PersonStatus:
        try:
            answer = await self._client.users_info(user=user_id)
        except SlackApiError as exc:
            if str(exc.response.get("error", "")) in GONE:
                return PersonStatus.UNREACHABLE
            return PersonStatus.UNKNOWN
        except Exception:  # noqa: BLE001 - no answer: ask again at the next sweep
            return PersonStatus.UNKNOWN
        user = answer.get("user") or {}
        if user.get("deleted"):
            return PersonStatus.DEACTIVATED
        if user.get("is_bot") or user.get("is_app_user"):
            return PersonStatus.BOT
        return PersonStatus.ACTIVE
