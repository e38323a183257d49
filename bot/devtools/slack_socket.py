"""Socket Mode for the Slack stand-in, as Slack runs it (api.slack.com/apis/socket-mode):

* ``apps.connections.open``, called with the app-level token (``xapp-…``; a bot token is
  ``not_allowed_token_type``), answers a one-use WebSocket URL;
* the WebSocket greets with ``{"type": "hello", "num_connections": N, ...}``;
* each envelope — ``slash_commands``, ``interactive``, ``events_api`` — carries an
  ``envelope_id``, goes to one live connection, and is acknowledged with
  ``{"envelope_id": ..., "payload": {...}}`` (the payload is the command's or the view
  submission's answer, when there is one);
* an envelope not acknowledged within ``ack_timeout`` (Slack: 3 s) is delivered again, with
  ``retry_attempt`` 1, 2, 3 and ``retry_reason: "timeout"``, over whichever connection is live
  then — or over the next one to open;
* `disconnect` sends ``{"type": "disconnect", "reason": "warning" | "refresh_requested"}``
  (Slack's notice that it will close the connection soon); `drop` lets a connection just
  vanish, as a network failure does.

An acknowledgement counts over any of the app's connections. Everything is recorded: the
``apps.connections.open`` calls (in ``FakeSlack.calls``), each delivery and each ack.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.devtools.slack import FakeSlack, SlackCall

APP_TOKEN = "xapp-1-A0FAKE-1-fake"  # the app-level token the stand-in expects by default
SLACK_ACK_TIMEOUT = 3.0  # seconds Slack waits for an ack before delivering again
MAX_RETRIES = 3


@dataclass
class Envelope:
    envelope_id: str
    type: str  # slash_commands | interactive | events_api
    payload: dict[str, Any]
    accepts_response_payload: bool
    deliveries: list[str] = field(default_factory=list)  # connection ids, one per delivery
    acked: asyncio.Future[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def message(self) -> dict[str, Any]:
        attempt = len(self.deliveries)
        return {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
            "retry_attempt": attempt,
            "retry_reason": "timeout" if attempt else "",
        }


@dataclass(frozen=True)
class Ack:
    envelope_id: str
    connection: str
    payload: dict[str, Any] | None


class SocketModeSlack:
    """Socket Mode in front of a `FakeSlack`; serve `app()` (or use `serve_socket_slack`)."""

    def __init__(
        self,
        slack: FakeSlack,
        *,
        app_token: str = APP_TOKEN,
        ack_timeout: float = SLACK_ACK_TIMEOUT,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.slack = slack
        self.url = ""  # set when served: http://host:port
        self.ack_timeout = ack_timeout
        self.max_retries = max_retries
        self._app_token = app_token
        self._tickets: set[str] = set()
        self.connections: dict[str, web.WebSocketResponse] = {}  # live ones, by id
        self._requests: dict[str, web.Request] = {}
        self.opened = 0  # connections ever opened
        self.envelopes: dict[str, Envelope] = {}
        self.acks: list[Ack] = []
        self._live = asyncio.Event()
        self._changed = asyncio.Condition()  # notified when a connection opens
        self._watchers: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"SocketModeSlack(url={self.url!r}, connections={len(self.connections)})"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/apps.connections.open", self._open)
        app.router.add_get("/socket/{ticket}", self._socket)
        self.slack.add_routes(app)
        return app

    # -- traffic -----------------------------------------------------------------------------

    async def send(
        self, type: str, payload: dict[str, Any], *, accepts_response_payload: bool = True
    ) -> Envelope:
        """Deliver an envelope (now, or when a connection opens), redelivering until acked."""
        envelope = Envelope(uuid.uuid4().hex, type, payload, accepts_response_payload)
        self.envelopes[envelope.envelope_id] = envelope
        watcher = asyncio.create_task(self._deliver_until_acked(envelope))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        return envelope

    async def disconnect(self, reason: str, connection: str | None = None) -> None:
        """Slack's notice that a connection will close: ``warning`` or ``refresh_requested``."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}}
        for cid in [connection] if connection else list(self.connections):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.connections[cid].send_json(message)

    def drop(self, connection: str | None = None) -> None:
        """The connection vanishes without a close frame (a network failure)."""
        for cid in [connection] if connection else list(self.connections):
            self.connections.pop(cid, None)
            request = self._requests.pop(cid, None)
            if request is not None and request.transport is not None:
                request.transport.abort()
        if not self.connections:
            self._live.clear()

    async def wait_for_connection(self, opened: int = 1) -> str:
        """Until at least `opened` connections were ever opened and one is live; its id."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.opened >= opened and bool(self.connections))
        return next(reversed(self.connections))

    async def close(self) -> None:
        for watcher in list(self._watchers):
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        for socket in list(self.connections.values()):
            await socket.close()

    async def _deliver_until_acked(self, envelope: Envelope) -> None:
        while len(envelope.deliveries) <= self.max_retries:
            await self._deliver(envelope)
            done, _ = await asyncio.wait({envelope.acked}, timeout=self.ack_timeout)
            if done:
                return

    async def _deliver(self, envelope: Envelope) -> None:
        while True:
            await self._live.wait()
            cid = random.choice(list(self.connections))  # Slack picks one at random
            try:
                await self.connections[cid].send_json(envelope.message())
            except (ConnectionError, RuntimeError, KeyError):
                self.connections.pop(cid, None)
                if not self.connections:
                    self._live.clear()
                continue
            envelope.deliveries.append(cid)
            return

    # -- HTTP and the WebSocket ----------------------------------------------------------------

    async def _open(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not token and request.can_read_body:
            token = str((await request.post()).get("token", ""))
        self.slack.record(SlackCall("apps.connections.open", {}, token or None, request.path))
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if not token.startswith("xapp-"):
            return web.json_response({"ok": False, "error": "not_allowed_token_type"})
        if token != self._app_token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        # the host the app reached us by, so it works behind compose's service names too
        return web.json_response({"ok": True, "url": f"ws://{request.host}/socket/{ticket}"})

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.match_info["ticket"]
        if ticket not in self._tickets:
            raise web.HTTPUnauthorized(text="this socket URL was never issued or is used up")
        self._tickets.discard(ticket)
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        cid = f"conn-{self.opened + 1}"
        self.opened += 1
        self.connections[cid], self._requests[cid] = socket, request
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self.connections),
                "connection_info": {"app_id": "AFAKEAPP"},
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
            }
        )
        self._live.set()
        async with self._changed:
            self._changed.notify_all()
        try:
            async for message in socket:
                if message.type == aiohttp.WSMsgType.TEXT:
                    self._ack(cid, message.data)
        finally:
            if self.connections.get(cid) is socket:
                del self.connections[cid]
            self._requests.pop(cid, None)
            if not self.connections:
                self._live.clear()
        return socket

    def _ack(self, cid: str, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            return
        envelope = self.envelopes.get(str(message.get("envelope_id", "")))
        if envelope is None:
            return
        payload = message.get("payload")
        self.acks.append(Ack(envelope.envelope_id, cid, payload))
        if not envelope.acked.done():
            envelope.acked.set_result(payload)


@contextlib.asynccontextmanager
async def serve_socket_slack(
    fake: SocketModeSlack,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    app: web.Application | None = None,
) -> AsyncIterator[str]:
    """Serve `fake` (Web API, hooks and Socket Mode; `app` if given, built from
    ``fake.app()``); yields the Web API base URL (``…/api/``)."""
    runner = web.AppRunner(app or fake.app(), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        fake.url = f"http://{host}:{runner.addresses[0][1]}"
        yield f"{fake.url}/api/"
    finally:
        await fake.close()
        await runner.cleanup()
