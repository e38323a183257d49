"""A client-side pace: request starts at least ``1 / rate`` seconds apart.

Every coroutine of one client shares the pacer. A caller reserves the next free slot
(no ``await`` between reading and moving the slot, so no lock is needed and callers are
served in arrival order) and sleeps until it. Proactive pacing keeps a shared budget
without the 429 storms a purely reactive retry causes.

Across replicas the budget is shared through `acquire` (a `SharedPace`, the port): an async
callable that reserves the next slot of the one budget all replicas draw from and answers
how many seconds to wait for it — or ``None`` when the shared budget cannot be reached (its
store is down): then this process falls back to its own local pace, so calls go on at no
more than the rate per replica, and says so in the log once per outage. The runtime wires a
Redis-backed one (`bot.store.pace`); this package never sees Redis.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

SharedPace = Callable[[], Awaitable[float | None]]


class Pacer:
    def __init__(
        self,
        rate_per_second: float,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        history: int = 1000,
        acquire: SharedPace | None = None,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.interval = 1.0 / rate_per_second
        self._sleep = sleep
        self._clock = clock
        self._acquire = acquire
        self._next_slot: float | None = None
        self._outage_logged = False
        self.local_fallbacks = 0
        """How many slots were paced locally because the shared budget was unreachable."""
        self.slots: deque[float] = deque(maxlen=history)
        """The start times handed out, most recent last (for tests and diagnostics)."""

    async def wait(self) -> None:
        """Return at this caller's start slot."""
        if self._acquire is not None:
            delay = await self._acquire()
            if delay is not None:
                self._shared_back()
                self.slots.append(self._clock() + max(delay, 0.0))
                if delay > 0:
                    await self._sleep(delay)
                return
            self._fell_back()
        now = self._clock()
        slot = now if self._next_slot is None else max(now, self._next_slot)
        self._next_slot = slot + self.interval
        self.slots.append(slot)
        if slot > now:
            await self._sleep(slot - now)

    def _fell_back(self) -> None:
        if not self._outage_logged:
            log.warning("shared IONOS pace unreachable: pacing this process alone")
            self._outage_logged = True
        self.local_fallbacks += 1

    def _shared_back(self) -> None:
        if self._outage_logged:
            log.info("shared IONOS pace reachable again")
            self._outage_logged = False


__all__ = ["Pacer", "SharedPace"]
