"""Servers in child processes, driven over a pipe.

The load generator and the server under test must not share one event loop (or one GIL):
a busy generator would delay the acks it measures. `spawn_child` starts ``target(conn,
config)`` in a fresh interpreter; the child serves, sends ``("ready", url)``, then answers
named queries until it is told to stop (`serve_queries`). Queries are plain strings, answers
plain picklable data, so a child's state (what a stand-in saw, CPU time used) can be read
from the parent without adding an HTTP endpoint to the product. A query may be a coroutine
function (the sweep benchmark's "run a sweep now"): the child awaits it before answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import multiprocessing
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

STARTUP_LIMIT = 60.0  # seconds for a child to import, start its servers and report ready
STOP = "stop"

Query = Callable[[], Any]


@dataclass
class Child:
    name: str
    url: str
    process: BaseProcess
    conn: Connection

    def ask(self, query: str, timeout: float = 10.0) -> Any:
        self.conn.send(query)
        if not self.conn.poll(timeout):
            raise TimeoutError(f"{self.name} did not answer {query!r} within {timeout:g} s")
        answer = self.conn.recv()
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def cpu_seconds(self) -> float:
        return float(self.ask("cpu"))


@contextlib.contextmanager
def spawn_child(
    name: str, target: Callable[[Connection, Any], None], config: Any
) -> Iterator[Child]:
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe()
    process = context.Process(target=target, args=(child_end, config), name=name, daemon=True)
    process.start()
    child_end.close()
    try:
        deadline = time.monotonic() + STARTUP_LIMIT
        while not parent_end.poll(0.1):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start (exit code {process.exitcode})")
        kind, url = parent_end.recv()
        if kind != "ready":
            raise RuntimeError(f"{name} failed to start: {url}")
        yield Child(name, str(url), process, parent_end)
    finally:
        with contextlib.suppress(OSError, EOFError):
            parent_end.send(STOP)
        process.join(15)
        if process.is_alive():
            process.terminate()
            process.join(5)
        parent_end.close()


@contextlib.asynccontextmanager
async def spawn_child_async(
    name: str, target: Callable[[Connection, Any], None], config: Any
) -> AsyncIterator[Child]:
    """`spawn_child` for a parent whose event loop serves what the child needs while it
    starts (the stand-ins): the waiting happens in a thread, the loop keeps serving."""
    manager = spawn_child(name, target, config)
    child = await asyncio.to_thread(manager.__enter__)
    try:
        yield child
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)


async def serve_queries(conn: Connection, url: str, queries: Mapping[str, Query]) -> None:
    """Child side: report ready, then answer queries until the parent says stop."""
    conn.send(("ready", url))
    answers: dict[str, Query] = {"cpu": time.process_time, **queries}
    while True:
        query = await asyncio.to_thread(conn.recv)
        if query == STOP:
            return
        try:
            answer = answers[query]()
            if inspect.isawaitable(answer):
                answer = await answer
            conn.send(answer)
        except Exception as exc:  # noqa: BLE001 - the parent re-raises it on its side
            conn.send(exc)


def report_failure(conn: Connection, exc: BaseException) -> None:
    """Child side: a start-up failure, sent as the first message instead of ``ready``."""
    with contextlib.suppress(OSError):
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
