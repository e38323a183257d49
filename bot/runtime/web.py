"""The HTTP surface: Slack's events endpoint, `/livez`, `/readyz` (and its old name
`/healthz`), `/metrics`, and a guard in front of Bolt.

`/livez` touches nothing external; `/readyz` answers from a check cached for a few seconds
and shared by concurrent probes (`bot.runtime.health`), so anonymous GETs cannot spend the
bot's IONOS budget.

The guard answers 401 for requests whose signing headers are not even well-formed (a
non-numeric timestamp, a non-ASCII or oddly shaped signature) — Bolt itself would turn
those into a 500. Bolt then checks the HMAC and the 5-minute window.

In Socket Mode there is no events endpoint (``bolt=None``): Slack's traffic arrives over
the WebSocket, and this server only answers health checks and metrics scrapes.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

EVENTS_PATH = "/slack/events"
MAX_BODY = 1024 * 1024
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")

HealthCheck = Callable[[], Awaitable[dict[str, str]]]
MetricsPage = Callable[[], tuple[bytes, str]]  # (body, content type)
DispatchScope = Callable[[], AbstractContextManager[None]]
Handler = Callable[[web.Request], Awaitable[web.Response]]


def _well_formed(request: web.Request) -> bool:
    """Each signing header exactly once and of the right shape (a duplicated header would be
    read as its first copy here and its last by Bolt)."""
    timestamps = request.headers.getall("X-Slack-Request-Timestamp", [])
    signatures = request.headers.getall("X-Slack-Signature", [])
    if len(timestamps) != 1 or len(signatures) != 1:
        return False
    return bool(_TIMESTAMP.match(timestamps[0]) and _SIGNATURE.match(signatures[0]))


def _events(bolt: AsyncApp, dispatching: DispatchScope) -> Handler:
    async def events(request: web.Request) -> web.Response:
        if not _well_formed(request):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = await to_bolt_request(request)
        except UnicodeDecodeError:
            return web.json_response({"error": "invalid request"}, status=401)
        with dispatching():
            bolt_response = await bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    return events


def _metrics(metrics: MetricsPage) -> Handler:
    async def metrics_page(_: web.Request) -> web.Response:
        body, content_type = metrics()
        return web.Response(body=body, headers={"Content-Type": content_type})

    return metrics_page


def make_web_app(
    bolt: AsyncApp | None,
    health: HealthCheck,
    *,
    metrics: MetricsPage | None = None,
    dispatching: DispatchScope = contextlib.nullcontext,
) -> web.Application:
    """``dispatching`` wraps each Bolt dispatch (see `bot.runtime.inflight`)."""

    async def healthz(_: web.Request) -> web.Response:
        checks = await health()
        ok = all(v == "ok" for v in checks.values())
        return web.json_response(
            {"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503
        )

    async def livez(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=MAX_BODY)
    if bolt is not None:
        app.router.add_post(EVENTS_PATH, _events(bolt, dispatching))
    app.router.add_get("/livez", livez)
    app.router.add_get("/readyz", healthz)
    app.router.add_get("/healthz", healthz)  # = /readyz, for probes set up before it
    if metrics is not None:
        app.router.add_get("/metrics", _metrics(metrics))
    return app
