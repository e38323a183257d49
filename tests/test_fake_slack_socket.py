"""The Socket Mode stand-in itself, spoken to by a bare WebSocket client: the app-level token,
``hello``, envelopes with ``envelope_id``, acks with payloads, redelivery of an envelope not
acked in time (``retry_attempt``, ``retry_reason``), ``disconnect`` notices, one-use URLs,
and envelopes kept for the next connection while none is open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.devtools.slack import FakeSlack
from bot.devtools.slack_socket import APP_TOKEN, SocketModeSlack, serve_socket_slack


@pytest.fixture
async def socket_slack(fake_slack: FakeSlack) -> AsyncIterator[SocketModeSlack]:
    fake = SocketModeSlack(fake_slack, ack_timeout=0.2, max_retries=2)
    async with serve_socket_slack(fake):
        yield fake


async def open_url(api_url: str, token: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api_url}apps.connections.open", headers=headers) as response,
    ):
        return dict(await response.json())


async def receive(socket: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(socket.receive_json(), 10)
    return dict(message)


async def test_only_the_app_level_token_opens_a_connection(
    socket_slack: SocketModeSlack, fake_slack: FakeSlack
) -> None:
    api = f"{socket_slack.url}/api/"

    answers = [await open_url(api, t) for t in (None, "xoxb-fake", "xapp-1-wrong", APP_TOKEN)]

    assert [a.get("error") for a in answers[:3]] == [
        "not_authed",
        "not_allowed_token_type",
        "invalid_auth",
    ]
    assert answers[3]["ok"] is True and answers[3]["url"].startswith("ws://127.0.0.1:")
    calls = fake_slack.calls_to("apps.connections.open")
    assert [c.token for c in calls] == [None, "xoxb-fake", "xapp-1-wrong", APP_TOKEN]


async def test_hello_envelope_ack_and_redelivery(socket_slack: SocketModeSlack) -> None:
    url = (await open_url(f"{socket_slack.url}/api/", APP_TOKEN))["url"]
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
        hello = await receive(socket)
        envelope = await socket_slack.send("slash_commands", {"command": "/regtoken"})
        first = await receive(socket)
        again = await receive(socket)  # not acked within ack_timeout: delivered again
        await socket.send_json({"envelope_id": first["envelope_id"], "payload": {"text": "hi"}})
        answer = await asyncio.wait_for(asyncio.shield(envelope.acked), 10)
        # a reused URL is refused: each one is good for one connection
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(url)

    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert first["envelope_id"] == again["envelope_id"] == envelope.envelope_id
    assert first["type"] == "slash_commands" and first["payload"] == {"command": "/regtoken"}
    assert first["accepts_response_payload"] is True
    assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
    assert (again["retry_attempt"], again["retry_reason"]) == (1, "timeout")
    assert answer == {"text": "hi"}
    assert [(a.envelope_id, a.payload) for a in socket_slack.acks] == [
        (envelope.envelope_id, {"text": "hi"})
    ]


async def test_redelivery_stops_after_the_last_retry(socket_slack: SocketModeSlack) -> None:
    url = (await open_url(f"{socket_slack.url}/api/", APP_TOKEN))["url"]
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
        await receive(socket)
        envelope = await socket_slack.send("events_api", {"event": {"type": "app_home_opened"}})
        attempts = [(await receive(socket))["retry_attempt"] for _ in range(3)]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(socket.receive_json(), 1.0)

    assert attempts == [0, 1, 2]  # max_retries=2
    assert len(envelope.deliveries) == 3 and not envelope.acked.done()


async def test_disconnect_notices_and_envelopes_kept_for_the_next_connection(
    socket_slack: SocketModeSlack,
) -> None:
    api = f"{socket_slack.url}/api/"
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect((await open_url(api, APP_TOKEN))["url"]) as socket:
            await receive(socket)
            await socket_slack.disconnect("warning")
            warning = await receive(socket)
            await socket_slack.disconnect("refresh_requested")
            refresh = await receive(socket)
        for _ in range(200):  # until the stand-in has seen the close
            if not socket_slack.connections:
                break
            await asyncio.sleep(0.01)
        assert not socket_slack.connections
        envelope = await socket_slack.send("interactive", {"type": "block_actions"})
        async with session.ws_connect((await open_url(api, APP_TOKEN))["url"]) as socket:
            await receive(socket)  # hello
            delivered = await receive(socket)
            await socket.send_json({"envelope_id": delivered["envelope_id"]})
            await asyncio.wait_for(asyncio.shield(envelope.acked), 10)

    assert (warning["type"], warning["reason"]) == ("disconnect", "warning")
    assert (refresh["type"], refresh["reason"]) == ("disconnect", "refresh_requested")
    assert delivered["envelope_id"] == envelope.envelope_id
    assert envelope.deliveries == ["conn-2"] and envelope.acked.result() is None
