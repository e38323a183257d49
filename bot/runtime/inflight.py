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
import logging
from collections.abc import Coroutine, Generator, Iterator
from typing import Any

log = logging.getLogger(__name__)

_current: contextvars.ContextVar[InFlight | None] = contextvars.ContextVar(
    "regbot_inflight", default=None
)


class InFlight:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return sum(1 for task in self._tasks if not task.done())

    def adopt(self, task: asyncio.Task[Any]) -> None:
        if not task.done():
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @contextlib.contextmanager
    def dispatching(self) -> Iterator[None]:
        """Run one Slack dispatch: the tasks it starts are in flight."""
        token = _current.set(self)
        try:
            yield
        finally:
            _current.reset(token)

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
