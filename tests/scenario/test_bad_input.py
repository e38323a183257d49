"""Bad input gets a clear message and changes nothing: modal fields, forged signatures,
double submissions."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from bot.store.requests import RequestStore
from handlers.ids import BlockId, Callback
from tests.scenario.harness import Harness


async def _errors(harness: Harness, **kwargs: object) -> dict[str, str]:
    reply = await harness.submit_request("UDEV", **kwargs)  # type: ignore[arg-type]
    assert reply.status == 200
    assert reply.json is not None, reply.text
    assert reply.json["response_action"] == "errors"
    errors: dict[str, str] = reply.json["errors"]
    return errors


@pytest.mark.parametrize(
    ("kwargs", "block"),
    [
        ({"name": "9starts-with-digit"}, BlockId.TOKEN_NAME),
        ({"name": "has space"}, BlockId.TOKEN_NAME),
        ({"name": "x" * 64}, BlockId.TOKEN_NAME),
        ({"expiry": -1}, BlockId.EXPIRY),  # days from today, by the bot's clock
        ({"expiry": 0}, BlockId.EXPIRY),
        ({"expiry": 91}, BlockId.EXPIRY),
        ({"reason": "   "}, BlockId.REASON),
        ({"scopes": [("team/app", [])]}, BlockId.scope_actions(0)),
        ({"scopes": [("Team App!", ["pull"])]}, BlockId.scope_repo(0)),
        ({"scopes": [("", [])]}, BlockId.scope_repo(0)),
        ({"registry": "no-such-registry"}, BlockId.REGISTRY),
    ],
)
async def test_each_bad_field_is_answered_in_the_modal(
    harness: Harness, kwargs: dict[str, object], block: str
) -> None:
    offset = kwargs.get("expiry")
    if isinstance(offset, int):  # days from today, resolved now (not when collected)
        kwargs = kwargs | {"expiry": harness.today() + timedelta(days=offset)}
    errors = await _errors(harness, **kwargs)
    assert block in errors
    assert errors[block]
    assert harness.approval_posts() == []
    assert await RequestStore(harness.redis, harness.keys).pending() == []


async def test_several_bad_fields_are_answered_together(harness: Harness) -> None:
    errors = await _errors(harness, name="-", reason="", expiry=harness.today())
    assert {BlockId.TOKEN_NAME, BlockId.REASON, BlockId.EXPIRY} <= set(errors)


async def test_a_double_submit_makes_one_request(harness: Harness) -> None:
    view = await harness.open_request_modal("UDEV", "team-registry")
    first = await harness.submit_request("UDEV", view=view)
    second = await harness.submit_request("UDEV", view=view)
    assert (first.status, second.status) == (200, 200)
    assert len(harness.approval_posts()) == 1
    assert len(await RequestStore(harness.redis, harness.keys).pending()) == 1


def _command_body() -> bytes:
    return urlencode(
        {
            "command": "/regtoken",
            "text": "help",
            "user_id": "UDEV",
            "team_id": "T0001",
            "channel_id": "C0GENERAL",
            "trigger_id": "1.2.3",
            "response_url": "http://x/",
        }
    ).encode()


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "{old}", "X-Slack-Signature": "{sig_old}"},
        {"X-Slack-Request-Timestamp": "{future}", "X-Slack-Signature": "{sig_future}"},
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "{sig_now}"},
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": "v0=é"},
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": "junk"},
        {"X-Slack-Request-Timestamp": "{now}"},
        {},
    ],
    ids=[
        "wrong-secret",
        "stale",
        "future",
        "non-numeric-ts",
        "non-ascii-sig",
        "junk-sig",
        "no-sig",
        "no-headers",
    ],
)
async def test_forged_or_stale_signatures_get_401_and_change_nothing(
    harness: Harness, headers: dict[str, str]
) -> None:
    body = _command_body()
    now = int(time.time())
    values = {
        "now": str(now),
        "old": str(now - 301),
        "future": str(now + 301),
        "sig_old": harness.driver.sign(body, now - 301),
        "sig_future": harness.driver.sign(body, now + 301),
        "sig_now": harness.driver.sign(body, now),
    }
    sent = {k: v.format(**values) for k, v in headers.items()}
    sent["Content-Type"] = "application/x-www-form-urlencoded"
    if "X-Slack-Signature" not in sent:
        sent["X-Slack-Signature"] = ""  # the driver signs unless a signature header is given
    reply = await harness.driver.raw(body, sent)
    await harness.settle()
    assert reply.status == 401
    assert harness.slack.calls == []


async def test_a_mutated_body_is_refused(harness: Harness) -> None:
    body = _command_body()
    headers = harness.driver.signed_headers(body)
    reply = await harness.driver.raw(
        body.replace(b"help", b"list"),
        headers | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 401
    assert harness.slack.calls == []


async def test_a_correctly_signed_command_is_accepted(harness: Harness) -> None:
    reply = await harness.command("help", "UDEV")
    assert reply.status == 200
    assert "request" in harness.text_of(harness.responses()[-1])


async def test_a_stale_form_is_answered_in_words(harness: Harness) -> None:
    view = await harness.open_request_modal("UDEV", "team-registry")
    reply = await harness.driver.view_submission(
        Callback.REQUEST_MODAL, user_id="UDEV", values={}, private_metadata="not json", view=view
    )
    assert reply.json["response_action"] == "errors"
    assert "out of date" in reply.json["errors"][BlockId.REASON]


async def test_a_forged_form_nonce_cannot_take_a_rotations_place(harness: Harness) -> None:
    """A rotation is made once per token under the nonce ``rotate:<token id>``. A request form
    whose private_metadata is tampered to carry that nonce must not make a request in the
    rotation's place (the owner's Rotate would then be answered with the forger's request):
    a form nonce is regbot's own shape or the form is out of date, and nothing is stored."""
    token_id = await harness.issue_token("UDEV")
    view = await harness.open_request_modal("UOUT", "team-registry")
    meta = json.loads(view["private_metadata"]) | {"nonce": f"rotate:{token_id}"}
    forged = view | {"private_metadata": json.dumps(meta)}
    reply = await harness.submit_request("UOUT", name="squat", view=forged)
    assert reply.json["response_action"] == "errors"
    assert "out of date" in reply.json["errors"][BlockId.REASON]
    assert await RequestStore(harness.redis, harness.keys).of_requester("UOUT") == []

    await harness.command(f"rotate team-registry {token_id}", "UDEV")
    answer = harness.text_of(harness.responses()[-1])
    assert "Rotation of" in answer and "asked for" in answer, answer
