"""Which event loop runs the long-lived commands (`regbot serve`, `regbot sweep`).

uvloop by default: the bot is I/O-bound on many small calls (Slack, Redis, IONOS), where
uvloop's transports cost less CPU per call than the standard library's selector loop
(measured in `bench.flows`, docs/performance.md). ``REGBOT_EVENT_LOOP=asyncio`` runs the
standard loop instead: for asyncio's debug mode, or to rule the loop out when chasing a bug.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if name == "uvloop":
        import uvloop  # imported only when chosen: the one-shot commands never need it

        return uvloop.new_event_loop
    if name == "asyncio":
        return asyncio.new_event_loop
    raise ValueError(f"unknown event loop {name!r} (uvloop or asyncio)")


def run(main: Coroutine[Any, Any, T], *, loop: str) -> T:
    """`asyncio.run` on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        return runner.run(main)


def running_loop_name() -> str:
    """ "uvloop" or "asyncio": which loop this code runs on (for the start-up log line)."""
    module = type(asyncio.get_running_loop()).__module__
    return "uvloop" if module.startswith("uvloop") else "asyncio"
