"""Every `/regtoken` subcommand, end to end: the signed command in, the ephemeral reply on
the response_url, and what the IONOS stand-in and the audit stream hold afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.devtools.ionos import FailRule
from bot.devtools.slack_driver import SlackReply
from bot.store.audit import AuditEntry, AuditLog
from handlers.ids import ActionId
from tests.scenario.harness import Harness

SUBCOMMANDS = (
    "request",
    "list",
    "show",
    "disable",
    "enable",
    "delete",
    "extend",
    "rotate",
    "pending",
    "breakglass",
    "cancel",
    "audit",
    "review",
    "adopt",
    "help",
)


# -- helpers ----------------------------------------------------------------------------------


async def _ask(harness: Harness, text: str, user: str) -> dict[str, Any]:
    """Run a command; return the one ephemeral reply it posted to the response_url."""
    before = len(harness.responses())
    reply: SlackReply = await harness.command(text, user)
    assert reply.status == 200, reply.text
    posted = harness.responses()[before:]
    assert len(posted) == 1, [c.payload for c in posted]
    payload = posted[0].payload
    assert payload["response_type"] == "ephemeral"
    assert payload["replace_original"] is False
    return payload


def _words(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _assert_one_plain_line(payload: dict[str, Any], *needles: str) -> None:
    text = payload["text"]
    assert "\n" not in text, text
    assert "Traceback" not in _words(payload) and "Error(" not in _words(payload)
    for needle in needles:
        assert needle in text, text


def _buttons(payload: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """action_id -> (label, value) of every button in the message."""
    found = {}
    for block in payload.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                found[element["action_id"]] = (element["text"]["text"], element["value"])
    return found


def _audit_lines(payload: dict[str, Any]) -> list[str]:
    return [
        block["elements"][0]["text"] for block in payload["blocks"] if block["type"] == "context"
    ]


async def _latest_audit(harness: Harness, **where: str) -> AuditEntry:
    entries = await AuditLog(harness.redis, harness.keys).latest(1, **where)
    assert entries, f"no audit entry with {where}"
    return entries[0]


def _team(harness: Harness) -> str:
    return harness.registries["team-registry"].id


def _status_in_ionos(harness: Harness, token_id: str) -> str:
    token = harness.ionos.token(_team(harness), token_id)
    assert token is not None, "the token is gone from IONOS"
    return token.status


# -- help -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["help", "", "frobnicate", "HELP please"])
async def test_help_lists_every_subcommand(harness: Harness, text: str) -> None:
    payload = await _ask(harness, text, "UDEV")
    words = _words(payload)
    assert "regbot: IONOS registry tokens" in words
    for verb in SUBCOMMANDS:
        assert f"/regtoken {verb}" in words, verb
    assert payload["text"] == "regbot commands: " + ", ".join(SUBCOMMANDS)  # the fallback too


# -- list -------------------------------------------------------------------------------------


async def test_list_shows_the_callers_own_tokens(harness: Harness) -> None:
    await harness.issue_token("UDEV", name="ci-push")
    harness.ionos.add_token(_team(harness), "legacy-pull")  # not made through regbot

    payload = await _ask(harness, "list", "UDEV")
    words = _words(payload)
    assert payload["text"] == "Your tokens: 1"
    assert "ci-push" in words and "team-registry" in words and "<@UDEV>" in words
    assert "legacy-pull" not in words

    payload = await _ask(harness, "list", "UOUT")
    assert "You have no tokens made through regbot." in _words(payload)


async def test_list_a_registry_as_an_approver_shows_every_token(harness: Harness) -> None:
    await harness.issue_token("UDEV", name="ci-push")
    harness.ionos.add_token(
        _team(harness),
        "legacy-pull",
        scopes=[{"name": "team/old", "type": "repository", "actions": ["pull"]}],
    )

    payload = await _ask(harness, "list team-registry", "UAPP2")
    assert payload["text"] == "Tokens on team-registry: 2"
    lines = {
        block["text"]["text"].split("`")[1]: block["text"]["text"]
        for block in payload["blocks"]
        if block["type"] == "section"
    }
    assert set(lines) == {"ci-push", "legacy-pull"}
    assert "owner <@UDEV>" in lines["ci-push"]
    assert "owner unknown" in lines["legacy-pull"] and "`team/old`: pull" in lines["legacy-pull"]


async def test_list_a_registry_as_a_developer_shows_only_their_tokens(harness: Harness) -> None:
    await harness.issue_token("UDEV", name="ci-push")
    harness.ionos.add_token(_team(harness), "legacy-pull")

    payload = await _ask(harness, "list team-registry", "UDEV")
    words = _words(payload)
    assert payload["text"] == "Tokens on team-registry: 1"
    assert "ci-push" in words and "legacy-pull" not in words

    payload = await _ask(harness, "list team-registry", "UOUT")
    assert payload["text"] == "Tokens on team-registry: 0"
    assert "No tokens." in _words(payload)


async def test_list_an_unknown_registry_says_so(harness: Harness) -> None:
    payload = await _ask(harness, "list nosuch", "UDEV")
    _assert_one_plain_line(payload, "no registry called `nosuch`", "team-registry")


# -- show -------------------------------------------------------------------------------------


async def test_show_by_name_and_by_id_for_the_owner_and_an_approver(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")

    for user in ("UDEV", "UAPP1"):
        for ref in ("ci-push", token_id):
            payload = await _ask(harness, f"show team-registry {ref}", user)
            assert payload["text"] == "Token ci-push on team-registry"
            words = _words(payload)
            assert "enabled" in words and "`team/app`: pull" in words and "<@UDEV>" in words


async def test_show_refuses_an_outsider_and_audits_it(harness: Harness) -> None:
    await harness.issue_token("UDEV", name="ci-push")

    payload = await _ask(harness, "show team-registry ci-push", "UOUT")
    _assert_one_plain_line(payload, "Only the token's owner and the approvers")
    assert "team/app" not in _words(payload)  # nothing about the token leaks

    # named by name, the token is not even looked up for a stranger: the refusal names it
    entry = await _latest_audit(harness, registry=_team(harness))
    assert (entry.actor, entry.action, entry.outcome) == ("UOUT", "refused", "refused")
    assert entry.detail.startswith("see:") and "ci-push" in entry.detail


async def test_show_an_unknown_token_says_so(harness: Harness) -> None:
    payload = await _ask(harness, "show team-registry nope", "UAPP1")
    _assert_one_plain_line(payload, "no token `nope`", "team-registry")


# -- disable / enable -------------------------------------------------------------------------


def _patches(harness: Harness, token_id: str) -> list[Any]:
    return [
        r.body
        for r in harness.ionos.requests
        if r.method == "PATCH" and r.path.endswith(f"/tokens/{token_id}")
    ]


async def test_disable_and_enable_change_the_token_in_ionos(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")

    payload = await _ask(harness, "disable team-registry ci-push", "UDEV")
    assert payload["text"] == "Token `ci-push` on *team-registry* disabled."
    assert _status_in_ionos(harness, token_id) == "disabled"
    assert _patches(harness, token_id) == [{"status": "disabled"}]
    entry = await _latest_audit(harness, registry=_team(harness), token=token_id)
    assert (entry.actor, entry.action, entry.outcome) == ("UDEV", "disabled", "ok")

    payload = await _ask(harness, f"enable team-registry {token_id}", "UAPP1")
    assert payload["text"] == "Token `ci-push` on *team-registry* enabled."
    assert _status_in_ionos(harness, token_id) == "enabled"
    assert _patches(harness, token_id)[-1] == {"status": "enabled"}
    entries = await AuditLog(harness.redis, harness.keys).latest(
        2, registry=_team(harness), token=token_id
    )
    # an approver changed someone else's token: the change, then the DM to its owner
    assert [(e.actor, e.action, e.outcome) for e in reversed(entries)] == [
        ("UAPP1", "enabled", "ok"),
        ("UAPP1", "owner_told", "ok"),
    ]


async def test_disable_by_an_outsider_is_refused_and_audited(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")

    payload = await _ask(harness, "disable team-registry ci-push", "UOUT")
    _assert_one_plain_line(payload, "can disable it")
    assert _status_in_ionos(harness, token_id) == "enabled"
    assert _patches(harness, token_id) == []
    entry = await _latest_audit(harness, registry=_team(harness))  # by name: not looked up
    assert (entry.actor, entry.action, entry.outcome) == ("UOUT", "refused", "refused")
    assert entry.detail.startswith("disable:") and "ci-push" in entry.detail


# -- delete -----------------------------------------------------------------------------------


async def _confirmation(harness: Harness, user: str) -> tuple[str, dict[str, Any]]:
    payload = await _ask(harness, "delete team-registry ci-push", user)
    assert payload["text"].startswith("Delete token `ci-push` on *team-registry*?")
    buttons = _buttons(payload)
    assert buttons[ActionId.CONFIRM_DELETE][0] == "Delete it"
    assert buttons[ActionId.CANCEL_DELETE][0] == "Keep it"
    value = buttons[ActionId.CONFIRM_DELETE][1]
    assert buttons[ActionId.CANCEL_DELETE][1] == value
    return value, payload


async def test_delete_asks_then_deletes_on_confirm(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")

    value, _ = await _confirmation(harness, "UDEV")
    assert value == f"{_team(harness)}:{token_id}"
    assert harness.ionos.token(_team(harness), token_id) is not None  # asking deletes nothing

    before = len(harness.responses())
    reply = await harness.click(ActionId.CONFIRM_DELETE, "UDEV", value, channel="C0GENERAL")
    assert reply.status == 200
    (replaced,) = harness.responses()[before:]
    assert replaced.payload["replace_original"] is True
    assert replaced.payload["text"] == "Token `ci-push` on *team-registry* deleted."
    assert harness.ionos.token(_team(harness), token_id) is None
    assert [r.status for r in harness.ionos.requests if r.method == "DELETE"] == [204]
    entry = await _latest_audit(harness, registry=_team(harness), token=token_id)
    assert (entry.actor, entry.action, entry.outcome) == ("UDEV", "deleted", "ok")

    payload = await _ask(harness, "list", "UDEV")
    assert payload["text"] == "Your tokens: 0"  # the ownership record went with it

    for ref in ("ci-push", token_id):  # a deleted token keeps its trail, by name or by id
        payload = await _ask(harness, f"audit team-registry {ref}", "UAPP1")
        actions = [line.split("*")[1] for line in _audit_lines(payload)]
        assert actions[0] == "deleted" and "created" in actions, actions


async def test_delete_keep_it_keeps_the_token(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    value, _ = await _confirmation(harness, "UAPP1")

    before = len(harness.responses())
    await harness.click(ActionId.CANCEL_DELETE, "UAPP1", value, channel="C0GENERAL")
    (replaced,) = harness.responses()[before:]
    assert replaced.payload["replace_original"] is True
    assert replaced.payload["text"] == "Kept: nothing was deleted."
    assert harness.ionos.token(_team(harness), token_id) is not None
    assert not [r for r in harness.ionos.requests if r.method == "DELETE"]


async def test_delete_by_an_outsider_is_refused_even_with_a_forged_click(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")

    payload = await _ask(harness, "delete team-registry ci-push", "UOUT")
    _assert_one_plain_line(payload, "can delete it")
    assert ActionId.CONFIRM_DELETE not in _words(payload)

    before = len(harness.responses())
    forged = f"{_team(harness)}:{token_id}"
    await harness.click(ActionId.CONFIRM_DELETE, "UOUT", forged, channel="C0GENERAL")
    (refusal,) = harness.responses()[before:]
    assert refusal.payload["replace_original"] is False  # the confirm message stays as it was
    _assert_one_plain_line(refusal.payload, "can delete it")
    assert harness.ionos.token(_team(harness), token_id) is not None
    assert not [r for r in harness.ionos.requests if r.method == "DELETE"]
    entry = await _latest_audit(harness, registry=_team(harness), token=token_id)
    assert (entry.actor, entry.action, entry.outcome) == ("UOUT", "refused", "refused")
    assert entry.detail.startswith("delete:")


# -- pending ----------------------------------------------------------------------------------


async def test_pending_shows_waiting_requests_to_other_approvers_only(harness: Harness) -> None:
    await harness.submit_request("UAPP1", name="release-push")
    request_id = await harness.request_id_posted()

    payload = await _ask(harness, "pending", "UAPP2")
    assert payload["text"] == "1 requests wait for your decision"
    assert "release-push" in _words(payload) and "<@UAPP1>" in _words(payload)
    buttons = _buttons(payload)
    assert buttons == {
        ActionId.REVIEW: ("Review", request_id),
        ActionId.APPROVE: ("Approve", request_id),
        ActionId.DENY: ("Deny", request_id),
    }

    for user in ("UAPP1", "UDEV", "UOUT"):  # the requester, then two people who can't decide
        payload = await _ask(harness, "pending", user)
        assert payload["text"] == "0 requests wait for your decision", user
        assert "Nothing is waiting for you." in _words(payload)
        assert not _buttons(payload)


async def test_pending_forgets_a_decided_request(harness: Harness) -> None:
    await harness.submit_request("UDEV", name="ci-push")
    request_id = await harness.request_id_posted()
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)

    payload = await _ask(harness, "pending", "UAPP2")
    assert "Nothing is waiting for you." in _words(payload)


# -- audit ------------------------------------------------------------------------------------


async def test_audit_for_an_approver(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.issue_token("UDEV", name="other-pull")
    await _ask(harness, "disable team-registry ci-push", "UDEV")
    harness.ionos.add_token(harness.registries["prod-registry"].id, "prod-pull")
    await _ask(harness, "show prod-registry prod-pull", "UDEV")  # refused on another registry

    payload = await _ask(harness, "audit", "UAPP1")
    lines = _audit_lines(payload)
    assert payload["blocks"][0]["text"]["text"] == "Audit trail"
    assert any("*disabled* (ok)" in line and "<@UDEV>" in line for line in lines)
    assert any("*requested* (ok)" in line for line in lines)

    payload = await _ask(harness, "audit team-registry", "UAPP1")
    lines = _audit_lines(payload)
    assert payload["blocks"][0]["text"]["text"] == "Audit trail team-registry"
    actions = {line.split("*")[1] for line in lines}
    # the request flow's entries and the token commands' entries, all of this registry
    assert {"requested", "approved", "created", "delivered", "disabled"} <= actions
    prod = harness.registries["prod-registry"].id
    assert not any(prod in line or "refused" in line for line in lines)

    payload = await _ask(harness, "audit team-registry ci-push", "UAPP1")
    lines = _audit_lines(payload)
    assert payload["blocks"][0]["text"]["text"] == "Audit trail team-registry ci-push"
    actions = {line.split("*")[1] for line in lines}
    assert {"created", "delivered", "disabled"} <= actions
    assert all(token_id in line for line in lines)

    payload = await _ask(harness, f"audit team-registry {token_id}", "UAPP1")
    assert {line.split("*")[1] for line in _audit_lines(payload)} == actions


async def test_audit_of_a_token_while_ionos_fails_says_so(harness: Harness) -> None:
    await harness.issue_token("UDEV", name="ci-push")
    harness.ionos.knobs.fail_next.append(FailRule("GET", r"/tokens", 500, times=10))

    payload = await _ask(harness, "audit team-registry ci-push", "UAPP1")
    _assert_one_plain_line(payload, "IONOS")  # not an empty trail that looks like the truth


async def test_audit_is_refused_to_a_developer(harness: Harness) -> None:
    await harness.issue_token("UDEV", name="ci-push")

    for text in ("audit", "audit team-registry", "audit team-registry ci-push"):
        payload = await _ask(harness, text, "UDEV")
        _assert_one_plain_line(payload, "is for")
        assert "requested" not in _words(payload)


# -- wrong arguments and failures -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("show team-registry", "/regtoken show <registry> <token>"),
        ("show", "/regtoken show <registry> <token>"),
        ("disable", "/regtoken disable <registry> <token>"),
        ("enable a b c", "/regtoken enable <registry> <token>"),
        ("delete team-registry", "/regtoken delete <registry> <token>"),
        ("list a b", "/regtoken list [registry]"),
        ("request a b", "/regtoken request [registry]"),
        ("audit a b c", "/regtoken audit [registry [token]]"),
    ],
)
async def test_wrong_arguments_get_the_usage(harness: Harness, text: str, usage: str) -> None:
    payload = await _ask(harness, text, "UAPP1")
    # Slack would read `<registry>` as markup: regbot's own angle brackets are escaped too
    shown = usage.replace("<", "&lt;").replace(">", "&gt;")
    _assert_one_plain_line(payload, f"Usage: `{shown}`")
    assert not harness.calls("views.open")
    assert not [r for r in harness.ionos.requests if "/tokens" in r.path]


async def test_ionos_failing_during_list_is_told_in_plain_words(harness: Harness) -> None:
    harness.ionos.add_token(_team(harness), "legacy-pull")
    harness.ionos.knobs.fail_next.append(FailRule("GET", r"/tokens", 500, times=10))

    payload = await _ask(harness, "list team-registry", "UAPP1")
    _assert_one_plain_line(payload, "IONOS")
    assert "legacy-pull" not in _words(payload)
    token_gets = [r for r in harness.ionos.requests if r.path.endswith("/tokens")]
    assert token_gets and {r.status for r in token_gets} == {500}
