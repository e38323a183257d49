"""The Home publisher screens everyone queued with one viewer look-up (#17), and never
publishes someone who was noted while that look-up was on its way and not screened yet."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, cast

from bot.domain.clock import FakeClock
from bot.services.home import HomeService
from handlers.notifiers.home import HomePublisher


class _Home:
    """`viewers_among` answers from `viewers`; the first call lets the test add a refresh while
    it waits. `snapshot` stands for a publish (the test only looks at who got one)."""

    def __init__(self, viewers: set[str]) -> None:
        self.viewers = viewers
        self.lookups: list[list[str]] = []
        self.published: list[str] = []
        self.first_lookup = asyncio.Event()
        self.release = asyncio.Event()

    async def viewers_among(self, user_ids: Iterable[str]) -> set[str]:
        wanted = list(user_ids)
        self.lookups.append(wanted)
        if len(self.lookups) == 1:
            self.first_lookup.set()
            await self.release.wait()
        return {u for u in wanted if u in self.viewers}

    async def approvers_of(self, registry_name: str) -> frozenset[str]:
        return frozenset()

    async def snapshot(self, user_id: str) -> Any:
        self.published.append(user_id)
        raise RuntimeError("stands for a publish")  # logged by the worker, nothing sent


async def test_one_lookup_for_the_queue_and_no_publish_unscreened() -> None:
    home = _Home(viewers={"U_VIEWER"})
    publisher = HomePublisher(cast(Any, None), cast(HomeService, home), FakeClock())
    publisher.refresh("U_NEVER", "U_NEVER2")
    await home.first_lookup.wait()
    publisher.refresh("U_LATE")  # noted while the look-up is on its way: not a viewer
    home.release.set()
    await publisher.idle()
    assert home.lookups == [["U_NEVER", "U_NEVER2"], ["U_LATE"]]  # one look-up per screening
    assert home.published == []
    publisher.refresh("U_VIEWER", "U_NEVER")
    await publisher.idle()
    assert home.lookups[2:] == [["U_VIEWER", "U_NEVER"]]
    assert home.published == ["U_VIEWER"]


class _Gathering:
    """The gathering's sleep: waits until the test lets it go, and counts."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.asleep = asyncio.Event()
        self.wake = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.asleep.set()
        await self.wake.wait()


async def test_refreshes_noted_while_the_worker_gathers_are_screened_once() -> None:
    """One step of a flow notes several refreshes at different moments (the requester's DM,
    the approval message, the approvers): they share one look-up."""
    home = _Home(viewers={"U_VIEWER"})
    home.release.set()
    clock, gathering = FakeClock(), _Gathering()
    publisher = HomePublisher(
        cast(Any, None), cast(HomeService, home), clock, gather_sleep=gathering
    )
    started = clock.now()
    publisher.refresh("U_A")
    await asyncio.wait_for(gathering.asleep.wait(), 5)  # the worker is gathering
    publisher.refresh("U_B", "U_A")
    publisher.refresh("U_VIEWER")
    gathering.wake.set()
    await publisher.idle()
    assert home.lookups == [["U_A", "U_B", "U_VIEWER"]]
    assert home.published == ["U_VIEWER"]
    assert gathering.sleeps == [0.1]
    assert clock.now() == started  # gathering never moves the injected clock


async def test_someone_who_opened_home_is_published_without_gathering() -> None:
    home = _Home(viewers=set())
    home.release.set()
    gathering = _Gathering()
    publisher = HomePublisher(
        cast(Any, None), cast(HomeService, home), FakeClock(), gather_sleep=gathering
    )
    publisher.opened("U_OPENER")
    await publisher.idle()
    assert home.published == ["U_OPENER"]
    assert gathering.sleeps == []


async def test_someone_who_opens_home_during_a_look_up_is_still_published() -> None:
    """Noted for a refresh, then opening Home while the look-up that does not know them yet
    is on its way: their publish stays queued."""
    home = _Home(viewers=set())  # the look-up answers from before they opened Home
    publisher = HomePublisher(
        cast(Any, None), cast(HomeService, home), FakeClock(), gather_sleep=_no_wait
    )
    publisher.refresh("U_OPENER")
    await asyncio.wait_for(home.first_lookup.wait(), 5)
    publisher.opened("U_OPENER")
    home.release.set()
    await publisher.idle()
    assert home.published == ["U_OPENER"]


async def _no_wait(seconds: float) -> None:
    await asyncio.sleep(0)
