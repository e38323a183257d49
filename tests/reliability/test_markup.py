"""User text is data: the markup of issue #11 goes through every place user text is shown and
nothing of it reaches Slack live — no ping, no mention, no link, no line passing for the bot's.

Driven over signed HTTP; the assertions read what the Slack stand-in received (channel
posts, updates, DMs, ephemerals, response_url answers, modals), every call of the test.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.devtools.slack import SlackCall
from bot.devtools.slack_driver import checkboxes, select_value, text_value
from bot.domain.clock import FakeClock
from bot.store.ownership import OwnershipStore, TokenOwnership
from handlers.ids import ActionId, BlockId, Callback
from tests.reliability.flow import submitted
from tests.scenario.harness import APPROVAL_CHANNEL, Harness
from tests.scenario.lifecycle_steps import housekeeping, open_extend, submit_extend

pytestmark = pytest.mark.reliability

MARKUP = (
    "ci\n<!channel> <!subteam^SEVIL> <@UVICTIM>\n"
    ":white_check_mark: *Pre-approved by <@UVICTIM>* <https://evil.example|confirm>\n"
    "<!here> <!everyone> & more"
)
# what must never reach Slack unescaped
LIVE = (
    "<!channel>",
    "<!subteam^SEVIL>",
    "<@UVICTIM>",
    "<https://evil.example",
    "<!here>",
    "<!everyone>",
)
ONE_LINE = "<!channel><@UVICTIM><https://evil.example|confirm><!here>"  # for command words


def _texts(payload: object) -> list[str]:
    """Every mrkdwn text (and message fallback) in a payload, as Slack would parse it."""
    found: list[str] = []
    if isinstance(payload, dict):
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            found.append(payload["text"])
        for key, value in payload.items():
            if key == "view" and isinstance(value, str):
                value = json.loads(value)
            found += _texts(value)
    elif isinstance(payload, list):
        for item in payload:
            found += _texts(item)
    return found


def _assert_nothing_live(rig: Harness) -> None:
    """No mrkdwn text, and no message's ``text`` fallback (Slack parses both), holds live
    markup of the user's. plain_text (headers, labels, options) is never parsed: not read."""
    for call in rig.slack.calls:
        parsed = _texts(call.payload)
        if isinstance(call.payload.get("text"), str):
            parsed.append(call.payload["text"])
        for text in parsed:
            for live in LIVE:
                assert live not in text, f"{live} reached Slack live in {call.method}: {text}"


def _shown_quoted(rig: Harness, call: SlackCall) -> None:
    """The multi-line reason/comment is one visible quote: each of its lines starts with >."""
    lines = [line for text in _texts(call.payload) for line in text.splitlines()]
    forged = [line for line in lines if "Pre-approved by" in line]
    assert forged, f"the user text is not in {call.method}"
    assert all(line.startswith(">") for line in forged), forged
    assert any("&lt;!channel&gt;" in line and line.startswith(">") for line in lines)


async def test_reason_and_comments_reach_approvers_and_requester_as_text(
    rig: Harness, clock: FakeClock
) -> None:
    # a request whose reason is markup: the approval channel and the requester's DM
    reply = await rig.submit_request("UDEV", reason=MARKUP, scopes=[("team/app", ["pull"])])
    assert reply.status == 200 and not reply.text, reply.text
    request_id = await rig.request_id_posted()
    _shown_quoted(rig, rig.approval_posts()[-1])

    # an approver opens the review modal: the reason is in it
    await rig.click(ActionId.REVIEW, "UAPP1", request_id)
    _shown_quoted(rig, rig.calls("views.open")[-1])

    # the nudge in the approval thread
    clock.advance(timedelta(hours=5))
    await housekeeping(rig)

    # denied with a markup comment: the approval message and the requester's DM
    view = rig.last_opened_view()
    reply = await rig.driver.view_submission(
        Callback.REVIEW_MODAL,
        user_id="UAPP1",
        values={
            BlockId.DECISION: {ActionId.INPUT: select_value("deny")},
            BlockId.COMMENT: {ActionId.INPUT: text_value(MARKUP)},
        },
        private_metadata=view["private_metadata"],
        view=view,
    )
    await rig.settle()
    assert reply.status == 200 and not reply.text, reply.text
    _shown_quoted(rig, rig.calls("chat.update")[-1])
    _shown_quoted(rig, rig.dms_to("UDEV")[-1])

    # approved with a markup comment, then collected: the DM, the collected message
    second = await submitted(rig, name="ci-pull")
    await rig.click(ActionId.REVIEW, "UAPP2", second)
    view = rig.last_opened_view()
    reply = await rig.driver.view_submission(
        Callback.REVIEW_MODAL,
        user_id="UAPP2",
        values={
            BlockId.DECISION: {ActionId.INPUT: select_value("approve")},
            BlockId.COMMENT: {ActionId.INPUT: text_value(MARKUP)},
            BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])},
        },
        private_metadata=view["private_metadata"],
        view=view,
    )
    await rig.settle()
    assert reply.status == 200 and not reply.text, reply.text
    _shown_quoted(rig, rig.dms_to("UDEV")[-1])
    await rig.collect("UDEV", second)
    assert rig.calls("chat.postEphemeral"), "the password was not delivered"

    # the audit trail, as an approver reads it (deny comments are in it)
    await rig.command("audit team-registry", "UAPP1")
    _assert_nothing_live(rig)


async def test_an_extension_reason_reaches_approvers_as_text(rig: Harness) -> None:
    request_id = await submitted(rig)
    await rig.click(ActionId.APPROVE, "UAPP1", request_id)
    await rig.collect("UDEV", request_id)
    (token,) = rig.ionos.tokens(rig.registries["team-registry"].id)
    view = await open_extend(rig, "UDEV", token.id)
    reply = await submit_extend(rig, "UDEV", view, rig.today() + timedelta(days=20), MARKUP)
    assert reply.status == 200 and not reply.text, reply.text
    _shown_quoted(rig, rig.approval_posts()[-1])
    _assert_nothing_live(rig)


@pytest.mark.parametrize(
    "words",
    [
        f"show {ONE_LINE} ci-push",
        f"show team-registry {ONE_LINE}",
        f"disable team-registry {ONE_LINE}",
        f"delete {ONE_LINE} x",
        f"rotate team-registry {ONE_LINE}",
        f"extend team-registry {ONE_LINE}",
        f"extend {ONE_LINE} x",
        f"list {ONE_LINE}",
        f"audit {ONE_LINE}",
        f"audit team-registry {ONE_LINE}",
        f"request {ONE_LINE}",
        f"{ONE_LINE}",
        f"breakglass {ONE_LINE}",
        f"cancel {ONE_LINE}",
        f"cancel team-registry {ONE_LINE}",
        f"adopt {ONE_LINE} x",
        f"adopt team-registry {ONE_LINE}",
        f"review {ONE_LINE}",
        f"pending {ONE_LINE}",
    ],
)
async def test_command_words_come_back_as_text(rig: Harness, words: str) -> None:
    for user in ("UDEV", "UAPP1"):
        reply = await rig.command(words, user)
        assert reply.status == 200
    assert rig.slack.calls, "nothing was answered"
    _assert_nothing_live(rig)


async def test_names_ionos_holds_reach_channels_and_listings_as_text(
    rig: Harness, clock: FakeClock
) -> None:
    """Tokens carry whatever scope names IONOS took (made outside regbot, or changed there):
    the owner's reminder DM, the unowned-token report in the approval channel, the digest,
    `list` and `show` show them as text."""
    registry = rig.registries["team-registry"]
    scopes = [{"name": piece, "type": "repository", "actions": ["pull"]} for piece in LIVE]
    soon = clock.now() + timedelta(hours=20)
    rig.ionos.add_token(registry.id, "stray", expiry=soon, scopes=scopes)
    rig.ionos.add_token(registry.id, "forever", scopes=scopes)
    owned = rig.ionos.add_token(registry.id, "owned", expiry=soon, scopes=scopes)
    await OwnershipStore(rig.redis, rig.keys).record(
        TokenOwnership(
            token_id=owned.id,
            owner="UDEV",
            registry_id=registry.id,
            registry_name=registry.name,
            token_name="owned",
            request_id="r-owned",
            created_at=clock.now(),
        )
    )
    report = await rig.bot.reminders.sweep(clock.now().replace(hour=9))
    assert report.digests_sent and report.reminders_sent == 2, report
    assert [m for m in rig.approval_posts(APPROVAL_CHANNEL) if "stray" in json.dumps(m.payload)]
    assert [m for m in rig.dms_to("UDEV") if "&lt;!here&gt;" in json.dumps(m.payload)]
    await rig.command("list team-registry", "UAPP1")
    await rig.command("show team-registry stray", "UAPP1")
    assert "&lt;!channel&gt;" in rig.text_of(rig.responses()[-1])
    _assert_nothing_live(rig)
