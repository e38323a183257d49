"""The HTTP transport under the IONOS client: aiohttp, behind httpx's API.

httpx's own transport (httpcore on anyio) costs 2-4 ms of CPU per call on this bot's 2-core
machine; aiohttp's C parser a fraction of that (docs/performance.md, reliability notes §6.4).
`httpx_aiohttp.AiohttpTransport` keeps everything above the transport — ``httpx.AsyncClient``,
its auth, base URL, params, the `bot.ionos.requester` timeouts, retry rules and error mapping —
and only swaps the socket work. A connection-level failure still reaches the requester as an
``httpx.RequestError``, so what is retried is unchanged: never a POST, reads and idempotent
writes on "no usable answer". httpx-aiohttp 0.2 maps every ``aiohttp.ClientConnectionError`` to
``httpx.ConnectTimeout`` (a refused connection would read "no answer within 10 s"); `_Transport`
maps those failures as httpx's own transport does (refused: ``ConnectError``; dropped:
``RemoteProtocolError``), timeouts stay timeouts.

The session is opened lazily, inside the running loop, by the first request; its connector
holds at most `max_in_flight` connections, as httpx's pool did (`httpx.Limits`). Proxies from
the environment are honoured (``trust_env``), as httpx's default transport does. aiohttp's
own silent resend on a dropped pooled connection is switched off (see `session`).
"""

from __future__ import annotations

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport


class _Transport(AiohttpTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.ConnectTimeout as exc:
            cause = exc.__cause__
            if isinstance(cause, aiohttp.ClientConnectorError):
                raise httpx.ConnectError(str(exc), request=request) from cause
            if isinstance(cause, aiohttp.ClientConnectionError) and not isinstance(
                cause, aiohttp.ServerTimeoutError
            ):
                raise httpx.RemoteProtocolError(str(exc), request=request) from cause
            raise


def aiohttp_transport(max_in_flight: int) -> httpx.AsyncBaseTransport:
    ssl_context = httpx.create_ssl_context()

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=max_in_flight, limit_per_host=max_in_flight, ssl=ssl_context
        )
        client = aiohttp.ClientSession(connector=connector, trust_env=True)
        # aiohttp resends an idempotent request once, silently, when a pooled connection
        # drops it: a retry outside `RetryPolicy`, which would e.g. read a DELETE's 404 as a
        # first answer (tests/ionos/test_client_retries.py). Only `bot.ionos.retry` retries.
        client._retry_connection = False  # no public switch in aiohttp 3.x
        return client

    return _Transport(client=session)


__all__ = ["aiohttp_transport"]
