"""Slack work still in flight, so that shutdown can let it finish.

Bolt acks a request and then runs the listener's remaining work in a task of its own,
created with ``asyncio.ensure_future`` and kept by nobody. Without help, stopping the
process would cut such work off halfway (a token created at IONOS, its owner never told).

`InFlight` finds those tasks without touching Bolt: the entry points (the HTTP events route,
the Socket Mode handler) run each dispatch inside `dispatching()`, which marks the context;
while `installed()` on the loop, a task factory adopts every task created in a marked
context — Bolt's listener tasks and whatever they start in turn, since tasks inherit their
creator's context. `drain(grace)` then waits for them, bounded, and cancels what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import logging
import math
from collections.abc import Coroutine, Generator, Iterator
from typing import Any

log = logging.getLogger(__name__)

_current: contextvars.ContextVar[InFlight | None] = contextvars.ContextVar(
    "regbot_inflight", default=None
)
# the task running the dispatch itself (the HTTP request's, or Socket Mode's handler): an ack
# called there (Bolt acks events before their listener) must not wait for its own answer
_dispatcher: contextvars.ContextVar[asyncio.Task[Any] | None] = contextvars.ContextVar(
    "regbot_dispatcher", default=None
)


MAX_ACK_WAIT = 0.5  # seconds a listener's slow work may wait for the acks of others


class InFlight:
    def __init__(self, *, max_ack_wait: float = MAX_ACK_WAIT) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        # dispatches not yet answered, by arrival number (oldest first), and who waits for
        # every dispatch up to some number to be answered (`acks_sent`), soonest first
        self._issued = 0
        self._unanswered: dict[int, None] = {}
        self._waiting: list[tuple[int, int, asyncio.Future[bool]]] = []
        self.max_ack_wait = max_ack_wait

    def __len__(self) -> int:
        return sum(1 for task in self._tasks if not task.done())

    def adopt(self, task: asyncio.Task[Any]) -> None:
        if not task.done():
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @contextlib.contextmanager
    def dispatching(self) -> Iterator[None]:
        """Run one Slack dispatch: the tasks it starts are in flight, and until it returns
        (with the ack) it is unanswered (`acks_sent`)."""
        token = _current.set(self)
        dispatcher = _dispatcher.set(asyncio.current_task())
        self._issued += 1
        number = self._issued
        self._unanswered[number] = None
        try:
            yield
        finally:
            del self._unanswered[number]
            self._release()
            _dispatcher.reset(dispatcher)
            _current.reset(token)

    async def acks_sent(self) -> None:
        """Return when every dispatch that arrived before now has been answered (its ack on
        the way to Slack), or after `max_ack_wait`. Later arrivals do not hold it up."""
        if _dispatcher.get() is asyncio.current_task():
            return  # the ack is the dispatch's own (an event's): its answer waits for it
        horizon = self._issued
        if self._oldest_unanswered() > horizon:
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        heapq.heappush(self._waiting, (horizon, id(waiter), waiter))
        # a timer, not `asyncio.wait_for`: every listener in a burst comes here (its own
        # dispatch is unanswered until Bolt looks again), so the wait must cost little
        timer = loop.call_later(self.max_ack_wait, _resolve, waiter, False)
        try:
            answered = await waiter
        finally:
            timer.cancel()
        if not answered:
            self._forget_given_up()

    def waiting_for_acks(self) -> int:
        """How many listeners wait now for earlier requests' answers."""
        return sum(1 for _, _, waiter in self._waiting if not waiter.done())

    def _forget_given_up(self) -> None:
        """Drop waiters that gave up, so a dispatch that hangs cannot grow the list."""
        if len(self._waiting) > 64:
            self._waiting = [entry for entry in self._waiting if not entry[2].done()]
            heapq.heapify(self._waiting)

    def _oldest_unanswered(self) -> float:
        return next(iter(self._unanswered), math.inf)

    def _release(self) -> None:
        oldest = self._oldest_unanswered()
        while self._waiting and self._waiting[0][0] < oldest:
            _, _, waiter = heapq.heappop(self._waiting)
            _resolve(waiter, True)

    @contextlib.contextmanager
    def installed(self, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
        """Adopt tasks created in a `dispatching()` context while inside (one loop, one
        owner: the serve function that runs the loop)."""
        previous = loop.get_task_factory()

        def factory(
            loop: asyncio.AbstractEventLoop,
            coro: Generator[Any, None, Any] | Coroutine[Any, Any, Any],
            **kwargs: Any,
        ) -> asyncio.Future[Any]:
            if previous is not None:
                task = previous(loop, coro, **kwargs)
            else:
                task = asyncio.Task(coro, loop=loop, **kwargs)
            context: contextvars.Context | None = kwargs.get("context")
            owner = context.get(_current) if context is not None else _current.get()
            if owner is self and isinstance(task, asyncio.Task):
                self.adopt(task)
            return task

        loop.set_task_factory(factory)
        try:
            yield
        finally:
            loop.set_task_factory(previous)

    async def drain(self, grace: float) -> int:
        """Wait up to `grace` seconds for the work in flight; cancel what is still running
        then. Returns how many tasks had to be cancelled."""
        me = asyncio.current_task()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while pending := {t for t in self._tasks if not t.done() and t is not me}:
            left = deadline - loop.time()
            if left <= 0:
                break
            # tasks in flight may start more; loop until none is left
            await asyncio.wait(pending, timeout=left)
        late = [t for t in self._tasks if not t.done() and t is not me]
        for task in late:
            task.cancel()
        if late:
            log.warning("cancelled work still in flight at shutdown", extra={"tasks": len(late)})
            await asyncio.gather(*late, return_exceptions=True)
        return len(late)


def _resolve(waiter: asyncio.Future[bool], answered: bool) -> None:
    """Wake a listener: True when the answers came, False when it stopped waiting."""
    if not waiter.done():  # done: woken already, or cancelled with its task
        waiter.set_result(answered)
