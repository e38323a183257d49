"""Acks before slow work: a listener's work after `ack()` waits until every Slack request
that arrived before it has its answer (bounded), so a burst of commands is acknowledged first
and worked on second.

Bolt runs a listener as a task; its `ack()` only sets the response, which Bolt's dispatcher
finds on its next look (every 10 ms) and returns to Slack. Meanwhile the listener goes on with
its slow part (IONOS, Redis, Block Kit, the reply), and in a burst those slow parts run
between the acks still to be sent: the last ack of 200 waited for ~199 listeners' work
(docs/performance.md, #17: ack p99 against a bare Bolt app). Here `ack()` returns only once
every request that arrived before it has its answer, or after `MAX_ACK_WAIT`
(`bot.runtime.inflight`; later arrivals never hold it up, so steady traffic cannot starve the
work). An ack Bolt sends inside the dispatch itself (an event's) does not wait. Nothing is
reordered inside one request, and nothing waits before an ack.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.response import BoltResponse

AcksSent = Callable[[], Awaitable[None]]  # returns once earlier requests are answered (bounded)


class AckFirst(AsyncAck):
    def __init__(self, acks_sent: AcksSent) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Bolt leaves it unannotated
        self._acks_sent = acks_sent

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = await super().__call__(*args, **kwargs)
        await self._acks_sent()
        return response
