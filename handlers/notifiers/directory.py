"""Asking Slack about people (not telling them anything): the `UserGroups` and `People` ports."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services.ports import PersonStatus

GONE = frozenset({"user_not_found", "account_inactive", "user_disabled"})


class SlackUserGroups:
    """`UserGroups` through usergroups.users.list (tier 2: the directory caches it)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def members(self, group_id: str) -> frozenset[str]:
        response = await self._client.usergroups_users_list(usergroup=group_id)
        return frozenset(str(u) for u in response.get("users") or [])


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
