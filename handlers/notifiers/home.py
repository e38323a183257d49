"""Keeping Home tabs current: republish a person's Home after a change that concerns them.

`HomePublisher.refresh` only notes who needs a new Home and returns at once, so it never
delays an ack or the flow that called it; one background worker then publishes, paced within
``views.publish``'s tier (100+ a minute, short bursts) and waiting out a 429's Retry-After.
Repeated refreshes of one person coalesce: a person waiting in the queue is published once,
with the state as it is when their turn comes. Only people who opened Home before are
published (a Home nobody opened is never shown). A registry's approvers are resolved in the
worker too (user-group lookups are cached but may reach Slack).

Who needs a refresh is said by the audience notifiers given ``homes``
(`handlers.notifiers.people`, `handlers.notifiers.approvers`: every step the services tell
people about) and by the listeners (the steps nobody is told about).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock
from bot.services.home import HomeService
from handlers.notifiers.pacing import RatePacer
from handlers.views.home import home_view

log = logging.getLogger(__name__)

PUBLISH_INTERVAL = timedelta(seconds=0.6)  # 100 a minute: views.publish is tier 4
PUBLISH_BURST = 10
# Refreshes noted within this long of each other are screened with one look-up: one step of
# a flow notes several (the requester's DM, the approval message, the approvers), and the
# Home is paced by Slack's limits anyway (#17: Redis round trips per flow).
GATHER = timedelta(seconds=0.1)


class HomePublisher:
    def __init__(
        self,
        client: AsyncWebClient,
        home: HomeService,
        clock: Clock,
        *,
        interval: timedelta = PUBLISH_INTERVAL,
        burst: int = PUBLISH_BURST,
        gather: timedelta = GATHER,
        gather_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._home = home
        self._clock = clock
        self._pacer = RatePacer(clock, interval=interval, burst=burst)
        self._gather = gather
        # real time, not the injected clock: gathering waits for other tasks' refreshes, and
        # must not move a test's fake clock (which decides what reminders say)
        self._gather_sleep = gather_sleep
        self._queue: dict[str, bool] = {}  # user -> known to publish (viewer or forced)
        self._registries: dict[str, None] = {}
        self._worker: asyncio.Task[None] | None = None

    def refresh(self, *users: str, registries: Iterable[str] = ()) -> None:
        """Republish these people's Home (and that of the registries' approvers) soon."""
        for user in users:
            self._queue.setdefault(user, False)
        for name in registries:
            self._registries[name] = None
        self._start()

    def opened(self, user: str) -> None:
        """They just opened Home: publish it first, whatever the queue holds."""
        self._queue.pop(user, None)
        self._queue = {user: True} | self._queue
        self._start()

    async def idle(self) -> None:
        """Wait until everything noted so far is published (tests, shutdown)."""
        while self._worker is not None and not self._worker.done():
            await asyncio.wait([self._worker])

    async def aclose(self) -> None:
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            await asyncio.wait([self._worker])
        self._worker = None

    def _start(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while self._queue or self._registries:
            try:
                if not any(self._queue.values()):  # nobody to publish yet: let a burst gather
                    await self._gather_sleep(self._gather.total_seconds())
                await self._screen()
                # the first one known: someone noted while _screen waited is screened next turn
                user = next((u for u, known in self._queue.items() if known), None)
                if user is None:
                    continue
                del self._queue[user]
                await self._publish(user)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("home not published", exc_info=True)

    async def _screen(self) -> None:
        """Expand the noted registries to their approvers, then one look-up (one Redis round
        trip) for everyone queued and not yet known as a viewer: those who never opened Home
        leave the queue, the others stay in their place, known. Whether someone opened Home
        only ever goes from no to yes, so knowing it before their turn is as good as at it."""
        names = list(self._registries)
        self._registries.clear()
        approvers: set[str] = set()
        for name in names:
            approvers |= await self._home.approvers_of(name)
        unknown = [user for user, known in self._queue.items() if not known]
        unknown += sorted(approvers - self._queue.keys())
        if not unknown:
            return
        try:
            viewers = await self._home.viewers_among(unknown)
        except Exception:
            for user in unknown:  # unknown they stay: not published this time (as before)
                self._forget_unknown(user)
            raise
        for user in unknown:
            if user in viewers:
                self._queue[user] = True  # a new approver joins at the end, as before
            else:
                self._forget_unknown(user)

    def _forget_unknown(self, user: str) -> None:
        """Drop `user` unless they became known meanwhile (opened Home during the look-up)."""
        if self._queue.get(user) is False:
            del self._queue[user]

    async def _publish(self, user: str) -> None:
        await self._pacer.wait()
        view = home_view(await self._home.snapshot(user), self._clock.now())
        try:
            await self._client.views_publish(user_id=user, view=view)
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                retry_after = float(exc.response.headers.get("Retry-After", 1) or 1)
                self._pacer.block(retry_after)
                self._queue.setdefault(user, True)  # its turn again, after the wait
                return
            log.warning(
                "views.publish refused",
                extra={"user": user, "error": exc.response.get("error", "unknown")},
            )
