"""The Slack side of the services' ports: posting, updating, DMs, the one-time password."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock
from bot.domain.models import RequestState, TokenRequest
from bot.services.ports import DeliveredCredentials, RequesterNotice
from handlers.views.approval import approval_message
from handlers.views.breakglass import review_message
from handlers.views.escalation import escalation_message
from handlers.views.requester import credentials_message, requester_message

log = logging.getLogger(__name__)


class SlackNotifier:
    def __init__(self, client: AsyncWebClient, clock: Clock) -> None:
        self._client = client
        self._clock = clock

    async def post_approval_request(self, request: TokenRequest, channel: str) -> tuple[str, str]:
        body = approval_message(request, self._clock.now())
        response = await self._client.chat_postMessage(channel=channel, **body)
        return str(response["channel"]), str(response["ts"])

    async def update_approval_message(self, request: TokenRequest) -> None:
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

    async def open_dm(self, user_id: str) -> str:
        response = await self._client.conversations_open(users=user_id)
        return str(response["channel"]["id"])

    async def tell_requester(self, request: TokenRequest, notice: RequesterNotice) -> str:
        channel = request.requester_channel or await self.open_dm(request.requester)
        body = requester_message(request, notice, self._clock.now())
        await self._client.chat_postMessage(channel=channel, **body)
        return channel

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


class SlackUserGroups:
    """`UserGroups` through usergroups.users.list (tier 2: the directory caches it)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def members(self, group_id: str) -> frozenset[str]:
        response = await self._client.usergroups_users_list(usergroup=group_id)
        return frozenset(str(u) for u in response.get("users") or [])
