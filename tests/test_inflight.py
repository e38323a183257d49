"""`InFlight`: tasks started while dispatching a Slack request are adopted (and their
children), others are not; `drain` waits for them and cancels what outlives the grace."""

from __future__ import annotations

import asyncio

from bot.runtime.inflight import InFlight


async def test_tasks_started_while_dispatching_are_waited_for() -> None:
    inflight = InFlight()
    release = asyncio.Event()
    finished: list[str] = []

    async def child() -> None:
        await release.wait()
        finished.append("child")

    async def listener() -> None:  # what Bolt runs after the ack
        asyncio.ensure_future(child())  # noqa: RUF006 - fire and forget, as Bolt does
        await release.wait()
        finished.append("listener")

    async def unrelated() -> None:
        await asyncio.Event().wait()

    with inflight.installed(asyncio.get_running_loop()):
        other = asyncio.create_task(unrelated())
        with inflight.dispatching():
            asyncio.ensure_future(listener())  # noqa: RUF006 - as Bolt starts a listener
        await asyncio.sleep(0)  # the listener starts its child
        assert len(inflight) == 2  # the listener and its child; not `other`

        draining = asyncio.create_task(inflight.drain(grace=60))
        await asyncio.sleep(0)
        assert not draining.done()
        release.set()
        assert await draining == 0
    assert sorted(finished) == ["child", "listener"]
    assert not other.done()
    other.cancel()


async def test_work_outliving_the_grace_is_cancelled() -> None:
    inflight = InFlight()
    with inflight.installed(asyncio.get_running_loop()):
        with inflight.dispatching():
            stuck = asyncio.ensure_future(asyncio.Event().wait())
        assert await inflight.drain(grace=0.01) == 1
    assert stuck.cancelled()


async def test_the_loop_gets_its_task_factory_back() -> None:
    loop = asyncio.get_running_loop()
    before = loop.get_task_factory()
    with InFlight().installed(loop):
        assert loop.get_task_factory() is not before
    assert loop.get_task_factory() is before
