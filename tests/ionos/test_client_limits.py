"""Bounded concurrency and client-side pacing, observed where it matters: at the server."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from bot.devtools.ionos import FailRule, FakeIonos
from tests.ionos.clients import RecordingSleep, calls, open_client
from tests.ionos.contract import ContractChecker

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class InFlight:
    """Counts requests the server is working on; the outermost middleware of the stand-in."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            return await handler(request)
        finally:
            self.now -= 1


@asynccontextmanager
async def served_counting(fake: FakeIonos) -> AsyncIterator[tuple[str, InFlight]]:
    """The stand-in behind an in-flight counter, still contract-checked."""
    counter, checker = InFlight(), ContractChecker()
    fake.add_exchange_hook(checker.hook)
    app = fake.app()
    app.middlewares.insert(0, counter.middleware)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", counter
    finally:
        await runner.cleanup()
    checker.assert_clean()


async def test_never_more_than_max_in_flight_at_the_server(fake_ionos: FakeIonos) -> None:
    registry = fake_ionos.add_registry("busy")
    fake_ionos.knobs.latency = 0.05
    async with (
        served_counting(fake_ionos) as (url, counter),
        open_client(url, max_in_flight=3) as ionos,
    ):
        await asyncio.gather(*(ionos.list_tokens(registry.id) for _ in range(20)))
    assert len(calls(fake_ionos, "GET", "/tokens")) == 20
    assert counter.peak == 3


async def test_the_counter_sees_overlap_when_the_bound_allows_it(fake_ionos: FakeIonos) -> None:
    registry = fake_ionos.add_registry("busy")
    fake_ionos.knobs.latency = 0.05
    async with (
        served_counting(fake_ionos) as (url, counter),
        open_client(url, max_in_flight=20) as ionos,
    ):
        await asyncio.gather(*(ionos.list_tokens(registry.id) for _ in range(20)))
    assert counter.peak > 3  # the measurement above is not vacuous


async def test_pacing_spaces_request_starts(fake_ionos: FakeIonos, ionos_url: str) -> None:
    registry = fake_ionos.add_registry("paced")
    sleep = RecordingSleep()
    clock = 1000.0  # a clock that never moves: every start needs a wait from the pacer
    async with open_client(
        ionos_url, rate_per_second=20.0, sleep=sleep, clock=lambda: clock
    ) as ionos:
        await asyncio.gather(*(ionos.list_tokens(registry.id) for _ in range(6)))
        pacer = ionos.pacer
    assert pacer is not None
    starts = sorted(pacer.slots)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 6
    assert gaps == pytest.approx([0.05] * 5)
    assert sorted(sleep.waits) == pytest.approx([0.05, 0.10, 0.15, 0.20, 0.25])
    assert len(calls(fake_ionos, "GET", "/tokens")) == 6


async def test_retries_take_a_new_pacer_slot(fake_ionos: FakeIonos, ionos_url: str) -> None:
    fake_ionos.knobs.fail_next.append(FailRule("GET", "^/registries$", 503))
    async with open_client(ionos_url, rate_per_second=10.0, clock=lambda: 0.0) as ionos:
        await ionos.list_registries()
        assert ionos.pacer is not None
        assert list(ionos.pacer.slots) == [0.0, 0.1]


async def test_no_pacer_unless_asked(ionos_url: str) -> None:
    async with open_client(ionos_url) as ionos:
        assert ionos.pacer is None
