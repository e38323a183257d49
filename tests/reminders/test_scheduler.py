"""The scheduler: a tick under the lock, skipped when another holds it, stopped when the lock
is lost, cancel-safe start/stop."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
import redis.asyncio as aioredis

from bot.domain.clock import FakeClock
from bot.runtime.scheduler import Scheduler
from bot.services.reminders import SweepReport
from bot.store.keys import Keys
from bot.store.locks import RedisLock
from tests.reminders.world import T0

pytestmark = pytest.mark.reliability

PERIOD = timedelta(minutes=15)


class RecordingSweeper:
    """A `Sweeper` that records the times it was asked to sweep; optionally it works until
    told to halt (a long sweep), or until `release` is set."""

    def __init__(self, *, until_halted: bool = False) -> None:
        self.swept: list[datetime] = []
        self.halted: list[bool] = []
        self.until_halted = until_halted
        self.started = asyncio.Event()

    async def sweep(self, now: datetime, *, halt: asyncio.Event | None = None) -> SweepReport:
        self.swept.append(now)
        self.started.set()
        if self.until_halted and halt is not None:
            await halt.wait()
        self.halted.append(bool(halt and halt.is_set()))
        return SweepReport(started=now, halted=bool(halt and halt.is_set()))


class Housekeeping:
    def __init__(self) -> None:
        self.calls: list[datetime] = []

    async def __call__(self, now: datetime) -> object:
        self.calls.append(now)
        return None


def scheduler(
    redis: aioredis.Redis,
    keys: Keys,
    sweeper: RecordingSweeper,
    housekeeping: Housekeeping | None,
    clock: FakeClock,
    ttl: timedelta = timedelta(seconds=30),
) -> Scheduler:
    return Scheduler(
        sweeper, housekeeping, lambda: RedisLock(redis, keys, "sweep", ttl), clock, PERIOD
    )


async def test_tick_sweeps_then_housekeeps_and_releases(redis: aioredis.Redis, keys: Keys) -> None:
    clock, sweeper, chores = FakeClock(T0), RecordingSweeper(), Housekeeping()
    tick = await scheduler(redis, keys, sweeper, chores, clock).tick()
    assert tick.ran and not tick.lock_lost
    assert sweeper.swept == [T0] and chores.calls == [T0]
    assert not await redis.exists(keys.lock("sweep"))


async def test_no_housekeeping_is_fine(redis: aioredis.Redis, keys: Keys) -> None:
    sweeper = RecordingSweeper()
    assert (await scheduler(redis, keys, sweeper, None, FakeClock(T0)).tick()).ran
    assert sweeper.swept == [T0]


async def test_tick_is_skipped_while_another_replica_holds_the_lock(
    redis: aioredis.Redis, keys: Keys
) -> None:
    other = RedisLock(redis, keys, "sweep", timedelta(seconds=30))
    assert await other.acquire()
    sweeper, chores = RecordingSweeper(), Housekeeping()
    tick = await scheduler(redis, keys, sweeper, chores, FakeClock(T0)).tick()
    assert not tick.ran
    assert sweeper.swept == [] and chores.calls == []
    assert await other.renew()  # untouched


async def test_lost_lock_halts_the_sweep_and_skips_housekeeping(
    redis: aioredis.Redis, keys: Keys
) -> None:
    sweeper, chores = RecordingSweeper(until_halted=True), Housekeeping()
    sched = scheduler(redis, keys, sweeper, chores, FakeClock(T0), ttl=timedelta(milliseconds=300))
    ticking = asyncio.create_task(sched.tick())
    await sweeper.started.wait()
    # another replica took over (as after this one was paused past the ttl)
    await redis.set(keys.lock("sweep"), "the-other-replica", px=30_000)
    async with asyncio.timeout(5):
        tick = await ticking
    assert tick.ran and tick.lock_lost
    assert sweeper.halted == [True] and chores.calls == []
    assert await redis.get(keys.lock("sweep")) == "the-other-replica"  # not released by us


async def test_a_long_sweep_keeps_its_lock(redis: aioredis.Redis, keys: Keys) -> None:
    sweeper = RecordingSweeper(until_halted=True)
    sched = scheduler(redis, keys, sweeper, None, FakeClock(T0), ttl=timedelta(milliseconds=150))
    ticking = asyncio.create_task(sched.tick())
    await sweeper.started.wait()
    value = await redis.get(keys.lock("sweep"))
    for _ in range(5):  # five ttls: renewed all along
        await asyncio.sleep(0.15)
        assert await redis.get(keys.lock("sweep")) == value
    ticking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await ticking
    assert not await redis.exists(keys.lock("sweep"))  # cancelled: released on the way out


async def test_start_ticks_every_period_and_stop_cancels(redis: aioredis.Redis, keys: Keys) -> None:
    clock, sweeper = FakeClock(T0), RecordingSweeper()
    sched = scheduler(redis, keys, sweeper, None, clock)
    sched.start()
    async with asyncio.timeout(5):
        while len(sweeper.swept) < 3:
            await asyncio.sleep(0)
    await sched.stop()
    assert not sched.running
    assert sweeper.swept[:3] == [T0, T0 + PERIOD, T0 + 2 * PERIOD]
    assert not await redis.exists(keys.lock("sweep"))
    await sched.stop()  # twice is fine


async def test_stop_at_any_point_leaves_no_lock(redis: aioredis.Redis, keys: Keys) -> None:
    for spins in range(40):  # stop after 0..39 loop turns: every await of a tick gets hit
        clock, sweeper = FakeClock(T0), RecordingSweeper()
        sched = scheduler(redis, keys, sweeper, None, clock)
        sched.start()
        for _ in range(spins):
            await asyncio.sleep(0)
        await sched.stop()
        assert not await redis.exists(keys.lock("sweep")), spins
