"""The Block Kit checks: they pass what Slack takes and name what Slack would refuse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.blockkit import assert_valid_message, assert_valid_view


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str, value: str, action_id: str = "approve") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "value": value,
        "action_id": action_id,
    }


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def modal(title: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "request_token",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Request"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks
        or [
            {
                "type": "input",
                "block_id": "registry",
                "label": {"type": "plain_text", "text": "Registry"},
                "element": {
                    "type": "static_select",
                    "action_id": "registry",
                    "options": [option("prod", "r-prod"), option("staging", "r-staging")],
                },
            }
        ],
    }


APPROVAL = [
    {"type": "header", "text": {"type": "plain_text", "text": "Token request"}},
    section("*dev* asks for a *pull* token on `prod`", block_id="summary"),
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [button("Approve", "req-1"), button("Deny", "req-1", action_id="deny")],
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "expires in 30 days"}]},
]


def test_a_valid_message_and_modal_pass() -> None:
    assert_valid_message(APPROVAL, "dev asks for a pull token on prod")
    assert_valid_view(modal("Request a token"))
    assert_valid_view({"type": "home", "blocks": APPROVAL})


def test_a_too_long_modal_title_is_caught() -> None:
    with pytest.raises(AssertionError, match="title"):
        assert_valid_view(modal("Request a registry access token"))


@pytest.mark.parametrize(
    ("blocks", "text", "complaint"),
    [
        (APPROVAL, "", "text"),
        (APPROVAL, "x" * 4001, "over 4000"),
        ([section("x")] * 51, "many", "over 50"),
        ([section("x" * 3001)], "long", "3000"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "h", "150"),
        ([{"type": "actions", "elements": [button("b" * 76, "v")]}], "b", "button text"),
        ([{"type": "actions", "elements": [button("b", "v" * 2001)]}], "b", "button value"),
        ([section("a", block_id="x" * 256)], "a", "block_id"),
        ([section("a", block_id="same"), section("b", block_id="same")], "a", "used 2 times"),
        ([section("a", colour="red")], "a", "does not know"),
        ([{"type": "carousel-of-dreams"}], "a", "unknown block"),
    ],
)
def test_message_limits(blocks: list[dict[str, Any]], text: str, complaint: str) -> None:
    with pytest.raises(AssertionError, match=complaint):
        assert_valid_message(blocks, text)


def test_select_limits() -> None:
    too_many = [option(f"o{i}", f"v{i}") for i in range(101)]
    long_option = [option("t" * 76, "v" * 151)]
    for options, complaint in [(too_many, "101 options"), (long_option, "option value")]:
        select = {"type": "static_select", "action_id": "pick", "options": options}
        with pytest.raises(AssertionError, match=complaint):
            assert_valid_message([section("pick one", accessory=select)], "pick one")


def test_view_limits() -> None:
    metadata = modal("Request") | {"private_metadata": "m" * 3001}
    no_submit = modal("Request")
    del no_submit["submit"]
    crowded = modal("Request", [section(str(i)) for i in range(101)])
    for view, complaint in [
        (metadata, "private_metadata"),
        (no_submit, "submit"),
        (crowded, "100"),
        ({"type": "dialog", "blocks": [section("x")]}, "type"),
    ]:
        with pytest.raises(AssertionError, match=complaint):
            assert_valid_view(view)
