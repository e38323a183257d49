"""Acks before slow work (#17): the work a listener does after `ack()` waits until every
Slack request that arrived before it has been answered, never for later ones, and never
longer than `max_ack_wait`. End to end: a command's reply waits for an earlier request's
answer, while the command's own ack is not held up."""

from __future__ import annotations

import asyncio

from bot.devtools.slack import RESPONSE_URL
from bot.runtime.inflight import InFlight
from tests.scenario.harness import Harness
from tests.slack_fixtures import DEVELOPER


class Held:
    """A dispatch that stays unanswered until released (as a request waiting for its ack)."""

    def __init__(self, inflight: InFlight) -> None:
        self._release = asyncio.Event()
        self._entered = asyncio.Event()
        self._task = asyncio.create_task(self._hold(inflight))

    async def _hold(self, inflight: InFlight) -> None:
        with inflight.dispatching():
            self._entered.set()
            await self._release.wait()

    async def started(self) -> Held:
        await self._entered.wait()
        return self

    async def answer(self) -> None:
        self._release.set()
        await self._task


async def test_no_wait_when_nothing_waits_for_an_answer() -> None:
    inflight = InFlight(max_ack_wait=60)
    await asyncio.wait_for(inflight.acks_sent(), 5)


async def test_waits_for_earlier_dispatches_only() -> None:
    inflight = InFlight(max_ack_wait=60)
    earlier = await Held(inflight).started()
    waiting = asyncio.create_task(inflight.acks_sent())
    await asyncio.sleep(0)
    later = await Held(inflight).started()  # arrives after the ack: must not hold it up
    await asyncio.sleep(0)
    assert not waiting.done()
    await earlier.answer()
    await asyncio.wait_for(waiting, 5)
    await later.answer()


async def test_every_waiter_is_released_in_a_burst() -> None:
    inflight = InFlight(max_ack_wait=60)
    burst = [await Held(inflight).started() for _ in range(50)]
    waiters = [asyncio.create_task(inflight.acks_sent()) for _ in range(50)]
    await asyncio.sleep(0)
    for held in burst[:-1]:
        await held.answer()
    assert not any(w.done() for w in waiters)  # the last one is still unanswered
    await burst[-1].answer()
    await asyncio.wait_for(asyncio.gather(*waiters), 5)


async def test_the_wait_is_bounded() -> None:
    inflight = InFlight(max_ack_wait=0.01)
    stuck = await Held(inflight).started()
    await asyncio.wait_for(inflight.acks_sent(), 5)  # gave up waiting for `stuck`
    await stuck.answer()  # releases nobody twice
    await asyncio.wait_for(inflight.acks_sent(), 5)


async def parked(inflight: InFlight, count: int) -> None:
    """Until `count` listeners wait for earlier answers (their work after the ack parked)."""
    async with asyncio.timeout(10):
        while inflight.waiting_for_acks() < count:
            await asyncio.sleep(0.001)


async def test_a_reply_waits_for_an_earlier_requests_answer(harness: Harness) -> None:
    inflight = harness.bot.inflight
    inflight.max_ack_wait = 60
    earlier = await Held(inflight).started()
    ack = await harness.driver.command("help", user_id=DEVELOPER)
    assert ack.status == 200  # the command's own ack was not held up
    await parked(inflight, 1)
    assert harness.slack.calls_to(RESPONSE_URL) == []  # its slow part waits, parked
    await earlier.answer()
    await harness.settle()
    assert len(harness.slack.calls_to(RESPONSE_URL)) == 1
    assert inflight.waiting_for_acks() == 0


async def test_an_event_acked_by_bolt_inside_its_dispatch_does_not_wait_for_itself(
    harness: Harness,
) -> None:
    """Bolt acks an event in the dispatch itself, before its listener: waiting there for the
    dispatch's own answer would hold every event (and everyone's work) for the full bound."""
    inflight = harness.bot.inflight
    inflight.max_ack_wait = 60
    async with asyncio.timeout(10):
        reply = await harness.driver.event(
            {"type": "app_home_opened", "user": DEVELOPER, "tab": "home"}
        )
    assert reply.status == 200
    await harness.homes_settled()
    assert harness.homes_published(DEVELOPER)  # the listener ran after the ack
