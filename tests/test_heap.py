"""`freeze_startup_heap`: what is alive when the bot is ready moves out of the cyclic
collector's way (bot/runtime/heap.py); garbage made later is still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.runtime.heap import freeze_startup_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()  # the rest of the test session collects as before


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.mark.usefixtures("unfrozen")
def test_the_live_heap_is_frozen_and_later_garbage_still_collected() -> None:
    alive = Node()
    frozen = freeze_startup_heap()
    assert frozen == gc.get_freeze_count() > 1_000
    assert not gc.is_tracked(alive) or alive not in gc.get_objects()  # out of the generations

    later = Node()
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None
