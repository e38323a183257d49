"""A client-side pace: request starts at least ``1 / rate`` seconds apart.

Every coroutine of one client shares the pacer. A caller reserves the next free slot
(no ``await`` between reading and moving the slot, so no lock is needed and callers are
served in arrival order) and sleeps until it. Proactive pacing keeps a shared budget
without the 429 storms a purely reactive retry causes. Across replicas the budget has to
be shared elsewhere (a Redis token bucket per contract); this pacer is per process.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class Pacer:
    def __init__(
        self,
        rate_per_second: float,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        history: int = 1000,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.interval = 1.0 / rate_per_second
        self._sleep = sleep
        self._clock = clock
        self._next_slot: float | None = None
        self.slots: deque[float] = deque(maxlen=history)
        """The start times handed out, most recent last (for tests and diagnostics)."""

    async def wait(self) -> None:
        """Return at this caller's start slot."""
        now = self._clock()
        slot = now if self._next_slot is None else max(now, self._next_slot)
        self._next_slot = slot + self.interval
        self.slots.append(slot)
        if slot > now:
            await self._sleep(slot - now)


__all__ = ["Pacer"]
