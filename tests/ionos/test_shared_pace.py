"""The pacer with a shared budget (the `SharedPace` port): it waits what the shared budget
says; when the budget cannot be reached it paces this process alone, and says so once. And the
Redis-backed budget itself (`bot.store.pace.RedisPace`) on a real Redis: callers from several
"replicas" get slots one interval apart, on one timeline."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest
import redis.asyncio as aioredis

from bot.devtools.redis_server import running_redis
from bot.ionos.pacing import Pacer
from bot.store.keys import Keys
from bot.store.pace import RedisPace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


async def test_the_shared_budget_decides_and_an_outage_falls_back_to_the_local_pace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers: list[float | None] = [0.0, 0.4, None, None, 0.2]

    async def acquire() -> float | None:
        return answers.pop(0)

    clock = Clock()
    pacer = Pacer(2.0, sleep=clock.sleep, clock=clock, acquire=acquire)
    with caplog.at_level(logging.INFO, logger="bot.ionos.pacing"):
        for _ in range(5):
            await pacer.wait()
    # shared: 0 and 0.4 s; outage: local slots 0.5 s apart (now, now + 0.5); shared again
    assert clock.slept == [0.4, 0.5, 0.2]
    assert pacer.local_fallbacks == 2
    said = [r.getMessage() for r in caplog.records]
    assert said == [
        "shared IONOS pace unreachable: pacing this process alone",
        "shared IONOS pace reachable again",
    ]


async def test_replicas_drawing_from_one_redis_budget_get_slots_one_interval_apart() -> None:
    """Each answer is "wait this long from now", on Redis's clock; the slot it names lies
    between (call sent + wait) and (answer back + wait) on ours. Whatever the machine's load,
    twelve slots of a 10/s budget then span exactly 11 intervals, each one interval apart."""
    loop = asyncio.get_running_loop()

    async def timed(pace: RedisPace) -> tuple[float, float, float | None]:
        sent = loop.time()
        waited = await pace.acquire()
        return sent, loop.time(), waited

    with running_redis() as server:
        keys = Keys(namespace="pace-test")
        clients = [aioredis.Redis.from_url(server.url, decode_responses=True) for _ in range(3)]
        try:
            paces = [RedisPace(c, keys, rate_per_second=10.0) for c in clients]
            answers = await asyncio.gather(*(timed(p) for p in paces for _ in range(4)))
        finally:
            for client in clients:
                await client.aclose()
        assert all(waited is not None for _, _, waited in answers)
        # each slot as an interval [earliest, latest] on our clock, in slot order
        slots = sorted((sent + w, back + w) for sent, back, w in answers if w is not None)
        tolerance = 0.002  # the two clocks' rounding (Redis answers in microseconds)
        for (early_a, late_a), (early_b, late_b) in itertools.pairwise(slots):
            assert early_b - late_a <= 0.1 + tolerance  # never more than one interval apart
            assert late_b - early_a >= 0.1 - tolerance  # never less
        assert slots[-1][1] - slots[0][0] >= 1.1 - tolerance  # twelve slots: eleven intervals
    # Redis gone: None (the pacer then paces alone), within the acquire timeout
    assert await paces[0].acquire() is None
