"""Waiting for what the bot does after an ack, as the Slack stand-in sees it.

`FakeSlack` records calls in a list and has no callbacks, so one watcher task reads the
new entries every millisecond and hands each to the waiters registered so far. Register
with `expect` *before* sending what causes the call, then await the future. Each call's
JSON text is made once and shared by every waiter's predicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable

from bot.devtools.slack import FakeSlack, SlackCall

Match = Callable[[SlackCall, str], bool]
POLL = 0.001


class Watcher:
    def __init__(self, slack: FakeSlack) -> None:
        self._slack = slack
        self._seen = 0
        self._waiters: list[tuple[Match, asyncio.Future[SlackCall]]] = []

    def expect(self, match: Match) -> asyncio.Future[SlackCall]:
        future: asyncio.Future[SlackCall] = asyncio.get_running_loop().create_future()
        self._waiters.append((match, future))
        return future

    def scan(self) -> None:
        calls = self._slack.calls
        for call in calls[self._seen :]:
            self._waiters = [(m, f) for m, f in self._waiters if not f.done()]
            if not self._waiters:
                continue
            text = json.dumps(call.payload)
            for match, future in self._waiters:
                if not future.done() and match(call, text):
                    future.set_result(call)
        self._seen = len(calls)

    async def run(self) -> None:
        while True:
            self.scan()
            await asyncio.sleep(POLL)


@contextlib.asynccontextmanager
async def watching(slack: FakeSlack) -> AsyncIterator[Watcher]:
    watcher = Watcher(slack)
    task = asyncio.create_task(watcher.run())
    try:
        yield watcher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
