"""The Slack driver: its signatures verify with slack_sdk, and a real Bolt app accepts its payloads.

The Bolt app here is bare (no regbot handlers): it runs with ``process_before_response=True``
so that everything a listener does has happened by the time the driver has its answer.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.slack import RESPONSE_URL, FakeSlack, hooks_url
from bot.devtools.slack_driver import (
    SlackDriver,
    checkboxes,
    date_value,
    multi_select_values,
    select_value,
    slack_signature,
    text_value,
    user_value,
)

pytest_plugins = ["tests.slack_fixtures"]  # until the root conftest lists it

SECRET = "signing-secret-for-tests"
BOT_TOKEN = "xoxb-fake"  # the token `fake_slack` expects


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def bare_bolt_app(slack_api_url: str, seen: list[dict[str, Any]]) -> AsyncApp:
    app = AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=slack_api_url),
        signing_secret=SECRET,
        process_before_response=True,
    )

    @app.command("/regtoken")
    async def command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack(f"got: {body['text']}")
        seen.append(body)
        await respond("working on it")

    @app.action("approve")
    async def approve(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        seen.append(body)

    @app.view("request_token")
    async def submit(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack(response_action="errors", errors={"expiry": "too far away"})
        seen.append(body)

    @app.options("pick_registry")
    async def options(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack(options=[{"text": {"type": "plain_text", "text": "prod"}, "value": "r-prod"}])
        seen.append(body)

    return app


@pytest.fixture
def seen() -> list[dict[str, Any]]:
    return []


@pytest.fixture
async def slack(slack_api_url: str, seen: list[dict[str, Any]]) -> AsyncIterator[SlackDriver]:
    bolt = bare_bolt_app(slack_api_url, seen)
    async with serve(bolt.web_app()) as url:
        driver = SlackDriver(url, SECRET, hooks_url=hooks_url(slack_api_url))
        async with driver:
            yield driver


def test_signature_matches_slack_sdk() -> None:
    verifier = SignatureVerifier(SECRET)
    body = b"command=%2Fregtoken&text=request+%C3%A9"
    timestamp = str(int(time.time()))

    signature = slack_signature(SECRET, timestamp, body)

    assert signature == verifier.generate_signature(timestamp=timestamp, body=body)
    assert verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    assert not SignatureVerifier("other").is_valid(body, timestamp, signature)


async def test_every_request_is_signed_as_slack_signs() -> None:
    received: list[tuple[bytes, dict[str, str]]] = []

    async def record(request: web.Request) -> web.Response:
        received.append((await request.read(), dict(request.headers)))
        return web.json_response({})

    capture = web.Application()
    capture.router.add_post("/slack/events", record)
    async with serve(capture) as url, SlackDriver(url, SECRET) as driver:
        await driver.command("list", user_id="UDEV")
        await driver.block_action("approve", user_id="UAPP1", value="r1")
        await driver.view_submission("request_token", user_id="UDEV", values={})
        await driver.options("pick_registry", user_id="UDEV", value="pr")
        await driver.event({"type": "app_home_opened", "user": "UDEV", "tab": "home"})

    verifier = SignatureVerifier(SECRET)
    assert len(received) == 5
    for body, headers in received:
        assert verifier.is_valid_request(body, headers)


async def test_bolt_accepts_a_slash_command(
    slack: SlackDriver, seen: list[dict[str, Any]], fake_slack: FakeSlack
) -> None:
    reply = await slack.command("request nightly", user_id="UDEV", channel_id="C0DEV")

    assert (reply.status, reply.text, reply.json) == (200, "got: request nightly", None)
    [body] = seen
    assert body["command"] == "/regtoken"
    assert (body["user_id"], body["channel_id"], body["team_id"]) == ("UDEV", "C0DEV", "T0001")
    assert body["trigger_id"]
    [posted] = fake_slack.calls_to(RESPONSE_URL)
    assert posted.payload["text"] == "working on it"
    assert body["response_url"].endswith(posted.path)
    assert fake_slack.calls_to("auth.test"), "Bolt checks its token against the fake once"


async def test_bolt_accepts_a_block_action_from_a_message(
    slack: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    reply = await slack.block_action(
        "approve", user_id="UAPP1", value="req-1", channel_id="C0APPROVALS", message_ts="1.000200"
    )

    assert reply.status == 200
    [body] = seen
    assert body["type"] == "block_actions"
    assert body["user"]["id"] == "UAPP1"
    [action] = body["actions"]
    assert (action["action_id"], action["block_id"], action["value"]) == ("approve", "b", "req-1")
    assert body["container"]["message_ts"] == body["message"]["ts"] == "1.000200"
    assert body["channel"]["id"] == "C0APPROVALS"


async def test_bolt_accepts_a_block_action_from_a_modal(
    slack: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    view = {"id": "V123", "hash": "1.abc", "callback_id": "request_token"}

    reply = await slack.block_action("approve", user_id="UDEV", view=view)

    assert reply.status == 200
    [body] = seen
    assert body["container"] == {"type": "view", "view_id": "V123"}
    assert (body["view"]["id"], body["view"]["hash"]) == ("V123", "1.abc")
    assert "response_url" not in body


async def test_bolt_accepts_a_view_submission(
    slack: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    values = {
        "name": {"name": text_value("ci-pull")},
        "expiry": {"expiry": date_value("2026-12-01")},
        "registry": {"registry": select_value("r-prod")},
        "scopes": {"scopes": multi_select_values(["pull", "push"])},
        "ack": {"ack": checkboxes(["understood"])},
        "owner": {"owner": user_value("UDEV")},
    }

    reply = await slack.view_submission(
        "request_token", user_id="UDEV", values=values, private_metadata='{"nonce": "n1"}'
    )

    assert reply.status == 200
    assert reply.json == {"response_action": "errors", "errors": {"expiry": "too far away"}}
    [body] = seen
    assert body["view"]["state"]["values"] == values
    assert body["view"]["private_metadata"] == '{"nonce": "n1"}'
    assert body["view"]["id"]
    assert body["view"]["hash"]


async def test_bolt_answers_an_options_request(
    slack: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    reply = await slack.options("pick_registry", user_id="UDEV", value="pro")

    assert reply.status == 200
    assert reply.json == {
        "options": [{"text": {"type": "plain_text", "text": "prod"}, "value": "r-prod"}]
    }
    assert seen[0]["value"] == "pro"


async def test_bolt_rejects_wrong_secret_stale_or_missing_signature(
    slack: SlackDriver, seen: list[dict[str, Any]], slack_api_url: str
) -> None:
    response_url = hooks_url(slack_api_url) + "/commands/T0001/1/x"
    fields = {"command": "/regtoken", "text": "list", "user_id": "UDEV", "team_id": "T0001"}
    body = urlencode(fields | {"response_url": response_url}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    stale = str(int(time.time()) - 301)
    forged = SlackDriver(slack.url, "not-the-secret")

    async with forged:
        wrong_secret = await forged.command("list", user_id="UDEV")
    too_old = await slack.raw(body, form | slack.signed_headers(body, stale))
    unsigned = await slack.raw(body, form)
    fresh = await slack.raw(body, form | slack.signed_headers(body))

    assert [r.status for r in (wrong_secret, too_old, unsigned)] == [401, 401, 401]
    assert fresh.status == 200
    assert [body["text"] for body in seen] == ["list"]


def test_state_value_helpers_have_slack_shapes() -> None:
    assert select_value("a", text="A")["selected_option"] == {
        "text": {"type": "plain_text", "text": "A", "emoji": True},
        "value": "a",
    }
    assert select_value(None)["selected_option"] is None
    assert [o["value"] for o in checkboxes(["x", "y"])["selected_options"]] == ["x", "y"]
    assert json.loads(json.dumps(multi_select_values([])))["selected_options"] == []
