"""The bot in Socket Mode, end to end over a real WebSocket: a request is asked for, approved
and collected through envelopes; Slack's ``refresh_requested`` and a connection that simply
vanishes, each in the middle of traffic, lose no envelope and handle none twice; the bot
reconnects by itself."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import aiohttp

from bot.devtools.slack_driver import SlackReply
from bot.store.requests import RequestStore
from handlers.ids import ActionId
from tests.scenario.harness import Harness
from tests.socket.conftest import SocketHarness


async def health(port: int) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        return dict(await response.json())


async def open_forms(harness: Harness, count: int) -> list[dict[str, Any]]:
    views = []
    for _ in range(count):
        views.append(await harness.open_request_modal("UDEV", "team-registry"))
    return views


async def submit_all(
    harness: Harness, views: list[dict[str, Any]], names: list[str]
) -> list[SlackReply]:
    return list(
        await asyncio.gather(
            *(
                harness.submit_request(
                    "UDEV", name=name, scopes=[("team/app", ["pull"])], view=view
                )
                for view, name in zip(views, names, strict=True)
            )
        )
    )


async def requests_named(harness: Harness) -> Counter[str]:
    store = RequestStore(harness.redis, harness.keys)
    found: Counter[str] = Counter()
    for request in await store.of_requester("UDEV"):
        found[request.ask.token_name] += 1
    return found


async def test_request_approve_collect_over_the_socket(socket_harness: SocketHarness) -> None:
    harness, socket = socket_harness.harness, socket_harness.socket

    token_id = await harness.issue_token("UDEV", name="ci-socket")

    [token] = [t for t in harness.ionos.tokens(harness.registries["team-registry"].id)]
    assert token.id == token_id and token.name == "ci-socket"
    [ephemeral] = harness.ephemerals_to("UDEV")
    assert token.password and token.password in json.dumps(ephemeral.payload)
    # every step travelled as an envelope and was acknowledged exactly once, on the socket
    kinds = Counter(e.type for e in socket.envelopes.values())
    assert kinds == {"slash_commands": 1, "interactive": 3}  # submit, approve, collect
    assert all(len(e.deliveries) == 1 for e in socket.envelopes.values())
    assert sorted(a.envelope_id for a in socket.acks) == sorted(socket.envelopes)
    assert harness.slack.calls_to("apps.connections.open")[0].token == "xapp-1-A0FAKE-1-fake"
    assert (await health(socket_harness.port))["slack"] == "ok"


async def test_a_command_is_answered_in_the_ack_payload(socket_harness: SocketHarness) -> None:
    harness, socket = socket_harness.harness, socket_harness.socket

    reply = await harness.command("help", "UDEV")

    [envelope] = socket.envelopes.values()
    [ack] = socket.acks
    assert ack.envelope_id == envelope.envelope_id
    answered = json.dumps(ack.payload) if ack.payload else ""
    posted = json.dumps([c.payload for c in harness.responses()])
    assert "/regtoken" in answered + posted  # in the ack, or on the response_url
    assert reply.status == 200


async def test_refresh_requested_mid_traffic_loses_nothing_and_doubles_nothing(
    socket_harness: SocketHarness,
) -> None:
    harness, socket = socket_harness.harness, socket_harness.socket
    names = ["ci-a0", "ci-a1", "ci-a2", "ci-b0", "ci-b1", "ci-b2"]
    views = await open_forms(harness, len(names))

    # Slack asks the app to reconnect while six submissions are on their way
    traffic = asyncio.create_task(submit_all(harness, views, names))
    await socket.disconnect("refresh_requested")
    replies = await traffic
    await socket.wait_for_connection(opened=2)
    await harness.settle()

    assert all(r.status == 200 and not r.text for r in replies), [r.text for r in replies]
    assert await requests_named(harness) == Counter(names)  # each once, none lost
    assert len(harness.approval_posts()) == len(names)
    assert all(len(e.deliveries) == 1 for e in socket.envelopes.values())  # no redelivery
    assert Counter(a.envelope_id for a in socket.acks) == Counter(list(socket.envelopes))
    assert socket.opened == 2 and len(socket.connections) == 1  # the old one was closed


async def test_a_dropped_connection_mid_traffic_loses_nothing_and_reconnects(
    socket_harness: SocketHarness,
) -> None:
    harness, socket = socket_harness.harness, socket_harness.socket
    first, second = ["ci-a0", "ci-a1", "ci-a2"], ["ci-b0", "ci-b1", "ci-b2"]
    views = await open_forms(harness, len(first) + len(second))

    # the connection vanishes (no close frame) while three submissions are on their way,
    # and three more are sent before the bot is back
    traffic = asyncio.create_task(submit_all(harness, views[:3], first))
    await asyncio.sleep(0.01)
    socket.drop()
    later = asyncio.create_task(submit_all(harness, views[3:], second))
    connection = await asyncio.wait_for(socket.wait_for_connection(opened=2), 60)
    replies = await traffic + await later
    await harness.settle()

    assert connection == "conn-2"  # the bot opened a new connection by itself
    assert len(harness.slack.calls_to("apps.connections.open")) == 2
    assert all(r.status == 200 and not r.text for r in replies), [r.text for r in replies]
    assert await requests_named(harness) == Counter(first + second)
    assert len(harness.approval_posts()) == len(first + second)
    acked = Counter(a.envelope_id for a in socket.acks)
    assert set(acked) == set(socket.envelopes)
    # an envelope Slack had to deliver twice (sent to the dead connection) was handled once
    assert all(acked[e] <= len(socket.envelopes[e].deliveries) for e in acked)
    assert (await health(socket_harness.port))["slack"] == "ok"
    # and the bot still works: an approval over the new connection
    request_id = await harness.request_id_posted()
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    approved = await RequestStore(harness.redis, harness.keys).get(request_id)
    assert approved is not None and approved.state == "approved"


async def test_an_event_over_the_socket_is_acked_without_waiting_for_itself(
    socket_harness: SocketHarness,
) -> None:
    """Bolt acks an event inside its dispatch; the ack-first wait must not hold it (#17)."""
    harness, socket = socket_harness.harness, socket_harness.socket
    harness.bot.inflight.max_ack_wait = 60
    async with asyncio.timeout(10):
        await harness.driver.event({"type": "app_home_opened", "user": "UDEV", "tab": "home"})
    [ack] = socket.acks
    assert ack.envelope_id in socket.envelopes
    await harness.homes_settled()
    assert harness.homes_published("UDEV")
