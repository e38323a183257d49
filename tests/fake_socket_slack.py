"""A Socket Mode stand-in: just enough of Slack for `AsyncSocketModeHandler` to connect —
``auth.test``, ``apps.connections.open`` handing out a ws:// URL, the WebSocket itself (push
envelopes down it, read the acks) and ``response_url`` posts. Records what it saw."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web


@dataclass
class FakeSocketSlack:
    """Just enough of Slack for Socket Mode: auth.test, apps.connections.open, one WebSocket,
    and response_url posts. Records what it saw."""

    url: str = ""
    opened_with: list[str] = field(default_factory=list)
    acks: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    posts: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    socket: web.WebSocketResponse | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/auth.test", self._auth_test)
        app.router.add_post("/api/apps.connections.open", self._open)
        app.router.add_get("/link", self._link)
        app.router.add_post("/hooks/{tail:.*}", self._hook)
        return app

    async def _auth_test(self, _: web.Request) -> web.Response:
        return web.json_response(
            {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T0001", "user": "regbot"}
        )

    async def _open(self, request: web.Request) -> web.Response:
        self.opened_with.append(request.headers.get("Authorization", ""))
        return web.json_response({"ok": True, "url": f"{self.url.replace('http', 'ws')}/link"})

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.connected.set()
        async for message in socket:
            if message.type == aiohttp.WSMsgType.TEXT:
                await self.acks.put(json.loads(message.data))
        return socket

    async def _hook(self, request: web.Request) -> web.Response:
        await self.posts.put(await request.json())
        return web.json_response({"ok": True})

    async def push_command(self, text: str) -> str:
        assert self.socket is not None
        envelope_id = uuid.uuid4().hex
        payload = {
            "token": "verification-token",
            "team_id": "T0001",
            "team_domain": "fake",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": "UDEV",
            "user_name": "dev",
            "command": "/regtoken",
            "text": text,
            "api_app_id": "AFAKEAPP",
            "response_url": f"{self.url}/hooks/commands/T0001/1/x",
            "trigger_id": "1.2.3",
        }
        await self.socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": payload,
            }
        )
        return envelope_id


@contextlib.asynccontextmanager
async def serving(fake: FakeSocketSlack) -> AsyncIterator[str]:
    runner = web.AppRunner(fake.app(), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        yield fake.url
    finally:
        await runner.cleanup()
