"""What every Slack request gets before its listener runs, in one Bolt middleware.

- It is counted (`handlers.traffic.classify`: closed vocabularies, so user text cannot grow the
  number of time series).
- Its `respond()` posts through the Web API clients' session (`handlers.respond`).
- Its `ack()` lets the acks of a burst go out before its slow work (`handlers.ack_first`).

A class middleware (`app.use`), not `@app.middleware`: Bolt calls it directly, where a function
middleware has its keyword arguments built anew for every request (about 30 of them), a cost
every ack paid (docs/performance.md, #17).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from handlers.ack_first import AckFirst, AcksSent
from handlers.respond import SessionRespond
from handlers.traffic import TrafficCounter, classify

if TYPE_CHECKING:
    import aiohttp


class RequestSetup(AsyncMiddleware):
    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None,
        proxy: str | None = None,
        traffic: TrafficCounter | None = None,
        acks_sent: AcksSent | None = None,
    ) -> None:
        self._session = session
        self._proxy = proxy
        self._traffic = traffic
        self._acks_sent = acks_sent

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        if self._traffic is not None:
            self._traffic.count_slack_request(*classify(req.body))
        context = req.context
        url = context.response_url
        if url:
            context["respond"] = SessionRespond(
                response_url=url, session=self._session, proxy=self._proxy
            )
        if self._acks_sent is not None:
            context["ack"] = AckFirst(self._acks_sent)
        return await next()
