"""Concurrent calls for the same thing share one run: a burst of clicks makes one lookup."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """While a run for `key` is in flight, later callers await it instead of starting their
    own. Nothing is kept after it ends (no caching): the next call runs again. A caller that
    is cancelled does not cancel the run the others wait for."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[V]] = {}

    async def run(self, key: K, make: Callable[[], Awaitable[V]]) -> V:
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(make())
            self._running[key] = running
            running.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(running)

    def _finished(self, key: K, done: asyncio.Future[V]) -> None:
        self._running.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved, so a failure nobody awaited is not reported twice


__all__ = ["SingleFlight"]
