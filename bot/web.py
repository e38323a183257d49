"""The HTTP surface: Slack's events endpoint, `/healthz`, and a guard in front of Bolt.

The guard answers 401 for requests whose signing headers are not even well-formed (a
non-numeric timestamp, a non-ASCII or oddly shaped signature) — Bolt itself would turn
those into a 500. Bolt then checks the HMAC and the 5-minute window.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

EVENTS_PATH = "/slack/events"
MAX_BODY = 1024 * 1024
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")

HealthCheck = Callable[[], Awaitable[dict[str, str]]]


def _well_formed(request: web.Request) -> bool:
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    return bool(_TIMESTAMP.match(timestamp) and _SIGNATURE.match(signature))


def make_web_app(bolt: AsyncApp, health: HealthCheck) -> web.Application:
    async def events(request: web.Request) -> web.Response:
        if not _well_formed(request):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = await to_bolt_request(request)
        except UnicodeDecodeError:
            return web.json_response({"error": "invalid request"}, status=401)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    async def healthz(_: web.Request) -> web.Response:
        checks = await health()
        ok = all(v == "ok" for v in checks.values())
        return web.json_response(
            {"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503
        )

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(EVENTS_PATH, events)
    app.router.add_get("/healthz", healthz)
    return app
