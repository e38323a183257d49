"""The periodic sweep, one replica at a time: a tick every `period`, under the sweep lock.

Each tick takes the lock (another replica holds it: the tick is skipped), runs the reminder
sweep and then the lifecycle housekeeping (nudges, expiring requests; optional), renewing the
lock every third of its ttl meanwhile. A renewal that finds the lock lost (this process was
paused past the ttl and another replica took over) sets the sweep's ``halt`` event: the sweep
finishes the message in flight and stops; housekeeping is skipped. Exactly-once does not rest
on the lock (see `bot.services.reminders`); the lock only saves duplicate work.

The lock's ttl runs on the Redis server's clock, so renewal waits real time (``renew_sleep``);
the period between ticks waits on the injected clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from bot.domain.clock import Clock
from bot.services.reminders import SweepReport

log = logging.getLogger(__name__)

Housekeeping = Callable[[datetime], Awaitable[object]]
T = TypeVar("T")


class Sweeper(Protocol):
    async def sweep(self, now: datetime, *, halt: asyncio.Event | None = None) -> SweepReport: ...


class Lease(Protocol):
    """`bot.store.locks.RedisLock`, as the scheduler uses it."""

    @property
    def ttl(self) -> timedelta: ...
    @property
    def held(self) -> bool: ...
    async def acquire(self) -> bool: ...
    async def renew(self) -> bool: ...
    async def release(self) -> bool: ...


@dataclass(frozen=True)
class Tick:
    """What one tick did: ``ran`` False when another replica held the lock."""

    ran: bool
    report: SweepReport | None = None
    lock_lost: bool = False


class Scheduler:
    def __init__(
        self,
        reminders: Sweeper,
        lifecycle_housekeeping: Housekeeping | None,
        lock_factory: Callable[[], Lease],
        clock: Clock,
        period: timedelta,
        *,
        renew_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_report: Callable[[SweepReport], None] | None = None,
    ) -> None:
        self._reminders = reminders
        self._housekeeping = lifecycle_housekeeping
        self._lock_factory = lock_factory
        self._clock = clock
        self._period = period
        self._renew_sleep = renew_sleep
        self._on_report = on_report  # e.g. metrics: reminders sent, sweep duration
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # one tick -------------------------------------------------------------------------------
    async def tick(self) -> Tick:
        """One round. Cancel-safe: a cancelled tick still gives the lock back."""
        lock = self._lock_factory()
        try:
            acquired = await _complete(lock.acquire())
        except asyncio.CancelledError:
            if lock.held:
                await _complete(lock.release())
            raise
        if not acquired:
            log.info("sweep skipped: another replica holds the lock")
            return Tick(ran=False)
        halt = asyncio.Event()
        keeper = asyncio.create_task(self._keep(lock, halt))
        try:
            report = await self._reminders.sweep(self._clock.now(), halt=halt)
            if self._on_report is not None:
                self._on_report(report)
            if self._housekeeping is not None and not halt.is_set():
                await self._run_housekeeping()
        finally:
            keeper.cancel()
            try:
                await asyncio.wait([keeper])  # unlike `await keeper`, never eats our own cancel
            finally:
                # compare-and-delete: a lock lost meanwhile stays with its new holder
                await _complete(lock.release())
        if halt.is_set():
            log.warning("sweep lock lost mid-sweep; stopped", extra=report.as_dict())
        return Tick(ran=True, report=report, lock_lost=halt.is_set())

    async def _keep(self, lock: Lease, halt: asyncio.Event) -> None:
        every = max(lock.ttl.total_seconds() / 3, 0.01)
        while True:
            await self._renew_sleep(every)
            if not await lock.renew():
                halt.set()
                return

    async def _run_housekeeping(self) -> None:
        if self._housekeeping is None:
            return
        try:
            await self._housekeeping(self._clock.now())
        except Exception:  # one failed round must not stop the scheduler
            log.exception("lifecycle housekeeping failed")

    # the loop -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self._loop(), name="regbot-scheduler")

    async def stop(self) -> None:
        """Cancel the loop (a sweep in progress stops where it is) and wait for it.

        A cancellation can be absorbed below us (Python 3.11's TaskGroup may swallow one
        that races with a failing child), so the loop also checks a flag, and the cancel is
        repeated until the task is done."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        while not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=1.0)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                await self.tick()
            except Exception:  # log and try again next period
                log.exception("sweep tick failed")
            await self._clock.sleep(self._period.total_seconds())


async def _complete(step: Awaitable[T]) -> T:
    """Run a short Redis step to its end even if the caller is cancelled meanwhile (a SET NX
    cut off after Redis ran it would leave a lock nobody releases); the cancel then goes on."""
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise
