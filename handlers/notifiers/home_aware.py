"""The Slack notifiers plus Home refreshes: every step the services tell people about (a new
request, a decision, a withdrawal, a request's expiry, an extension, a rotation's step, a
token's coming expiry) also refreshes the Home of whom it concerns (`HomePublisher.refresh`
only notes it; the publishing happens in the background)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock
from bot.domain.models import TokenRequest
from bot.domain.reminders import Reminder
from bot.services.ports import LifecycleNotice, RequesterNotice
from handlers.notifiers.home import HomePublisher
from handlers.notifiers.housekeeping import SlackLifecycleNotifier
from handlers.notifiers.reminders import SlackReminderNotifier
from handlers.notifiers.requests import SlackNotifier


class HomeAwareNotifier(SlackNotifier):
    """`SlackNotifier` that also refreshes the Home of the requester and the approvers.

    Its approval-message updates show the request as it is when the update goes out (read
    again, one update per request at a time in this process): an approval and a withdrawal
    racing each other then cannot leave the older state showing in the channel."""

    def __init__(
        self,
        client: AsyncWebClient,
        clock: Clock,
        homes: HomePublisher,
        latest: Callable[[str], Awaitable[TokenRequest | None]] | None = None,
    ) -> None:
        super().__init__(client, clock)
        self._homes = homes
        self._latest = latest
        self._updating: dict[str, tuple[asyncio.Lock, int]] = {}  # request id -> lock, users

    async def post_approval_request(self, request: TokenRequest, channel: str) -> tuple[str, str]:
        try:
            return await super().post_approval_request(request, channel)
        finally:  # the requester's Home follows with tell_requester
            self._homes.refresh(registries=[request.ask.registry_name])

    async def update_approval_message(self, request: TokenRequest) -> None:
        lock, users = self._updating.get(request.id) or (asyncio.Lock(), 0)
        self._updating[request.id] = (lock, users + 1)
        try:
            async with lock:
                current = await self._latest(request.id) if self._latest else None
                await super().update_approval_message(current or request)
        finally:
            lock, users = self._updating[request.id]
            if users == 1:
                del self._updating[request.id]
            else:
                self._updating[request.id] = (lock, users - 1)
            self._homes.refresh(request.requester, registries=[request.ask.registry_name])

    async def tell_requester(self, request: TokenRequest, notice: RequesterNotice) -> str:
        try:
            return await super().tell_requester(request, notice)
        finally:
            self._homes.refresh(request.requester)


class HomeAwareLifecycleNotifier(SlackLifecycleNotifier):
    """`SlackLifecycleNotifier` that also refreshes the Home of whom it tells."""

    def __init__(self, client: AsyncWebClient, clock: Clock, homes: HomePublisher) -> None:
        super().__init__(client, clock)
        self._homes = homes

    async def tell(
        self, user_id: str, request: TokenRequest, notice: LifecycleNotice, detail: str = ""
    ) -> None:
        try:
            await super().tell(user_id, request, notice, detail)
        finally:
            self._homes.refresh(user_id, request.requester)


class HomeAwareReminderNotifier(SlackReminderNotifier):
    """`SlackReminderNotifier` that also refreshes the Home of an owner reminded of an expiry
    (their token's expiry, in words, has moved on since it was last published)."""

    def __init__(
        self, client: AsyncWebClient, clock: Clock, refresh: Callable[[str], None]
    ) -> None:
        super().__init__(client, clock)
        self._refresh = refresh

    async def remind_owner(self, reminder: Reminder) -> bool:
        sent = await super().remind_owner(reminder)
        if sent and reminder.owner:
            self._refresh(reminder.owner)
        return sent
