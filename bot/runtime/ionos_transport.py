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
holds at most `max_in_flight` connections, as httpx's pool did (`httpx.Limits`). A proxy
from the environment (``HTTPS_PROXY``/``HTTP_PROXY``, ``NO_PROXY``) is honoured as httpx's
default transport did, but looked up once (`proxy_for`), not per call: aiohttp's
``trust_env`` reads ~/.netrc and the proxy variables in a worker thread for every request
(two thread hops per IONOS call), and a ~/.netrc entry for the API's host would even make
every call fail ("Cannot combine AUTHORIZATION header with AUTH argument"). aiohttp's own
silent resend on a dropped pooled connection is switched off (see `session`).
"""

from __future__ import annotations

import warnings
from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]  # not in typeshed

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from yarl import URL


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


def proxy_for(
    url: str, *, https_proxy: str | None, http_proxy: str | None, no_proxy: str | None
) -> str | None:
    """The proxy for `url` by the usual rules: HTTPS_PROXY for https, HTTP_PROXY for http,
    none for a host NO_PROXY names (``host``, ``.suffix``, ``host:port``, ``*``, as urllib
    reads it)."""
    target = URL(url)
    proxy = https_proxy if target.scheme == "https" else http_proxy
    if not proxy:
        return None
    where = f"{target.host}:{target.port}" if target.port else str(target.host)
    if no_proxy and target.host and proxy_bypass_environment(where, {"no": no_proxy}):
        return None
    return proxy


def aiohttp_transport(max_in_flight: int, proxy: str | None = None) -> httpx.AsyncBaseTransport:
    ssl_context = httpx.create_ssl_context()
    proxy_url = URL(proxy) if proxy else None
    proxy_auth = None
    if proxy_url is not None and proxy_url.user:
        with warnings.catch_warnings():  # BasicAuth: deprecated in aiohttp 3.14, as above
            warnings.simplefilter("ignore", DeprecationWarning)
            proxy_auth = aiohttp.BasicAuth(proxy_url.user, proxy_url.password or "")
    if proxy_url is not None:
        proxy_url = proxy_url.with_user(None)  # the credentials go in Proxy-Authorization

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=max_in_flight, limit_per_host=max_in_flight, ssl=ssl_context
        )
        with warnings.catch_warnings():
            # aiohttp 3.14 deprecates a session-wide proxy_auth for per-request proxy_headers,
            # which httpx-aiohttp does not pass; it stays until aiohttp 4 (pinned below it)
            warnings.simplefilter("ignore", DeprecationWarning)
            client = aiohttp.ClientSession(
                connector=connector, trust_env=False, proxy=proxy_url, proxy_auth=proxy_auth
            )
        # aiohttp resends an idempotent request once, silently, when a pooled connection
        # drops it: a retry outside `RetryPolicy`, which would e.g. read a DELETE's 404 as a
        # first answer (tests/ionos/test_client_retries.py). Only `bot.ionos.retry` retries.
        client._retry_connection = False  # no public switch in aiohttp 3.x
        return client

    return _Transport(client=session)


__all__ = ["aiohttp_transport", "proxy_for"]
