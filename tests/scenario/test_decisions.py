"""Deciding on requests: review and narrow, deny with a comment, races, who may decide."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

from bot.devtools.slack_driver import checkboxes, date_value, select_value, text_value
from bot.domain.models import RequestState
from bot.store.audit import AuditLog
from bot.store.requests import RequestStore
from handlers.ids import ActionId, BlockId, Callback
from tests.scenario.harness import PROD_APPROVAL_CHANNEL, Harness

_NAMES = itertools.count(1)


async def _submitted(harness: Harness, user: str = "UDEV", **kwargs: Any) -> str:
    # a name of its own: two open requests never share a token name on one registry
    kwargs.setdefault("name", f"ci-push-{next(_NAMES)}")
    await harness.submit_request(user, **kwargs)
    channel = kwargs.get("channel")
    return (
        await harness.request_id_posted(channel) if channel else await harness.request_id_posted()
    )


async def _state(harness: Harness, request_id: str) -> RequestState:
    request = await RequestStore(harness.redis, harness.keys).get(request_id)
    assert request is not None
    return request.state


async def _audit_actions(harness: Harness, request_id: str) -> list[str]:
    entries = await AuditLog(harness.redis, harness.keys).latest(500, request_id=request_id)
    return [str(e.action) for e in reversed(entries)]


def _last_response_text(harness: Harness) -> str:
    return harness.text_of(harness.responses()[-1])


async def _review_view(
    harness: Harness, user: str, request_id: str, *, deny: bool = False
) -> dict[str, Any]:
    action = ActionId.DENY if deny else ActionId.REVIEW
    await harness.click(action, user, request_id)
    view = harness.last_opened_view()
    assert view["callback_id"] == Callback.REVIEW_MODAL
    return view


async def _submit_review(
    harness: Harness, user: str, view: dict[str, Any], values: dict[str, Any]
) -> Any:
    reply = await harness.driver.view_submission(
        Callback.REVIEW_MODAL,
        user_id=user,
        values=values,
        private_metadata=view["private_metadata"],
        view=view,
    )
    await harness.settle()
    return reply


async def test_review_narrows_expiry_and_actions(harness: Harness) -> None:
    asked = harness.today() + timedelta(days=20)
    request_id = await _submitted(
        harness, scopes=[("team/app", ["pull", "push"]), ("team/base", ["pull"])], expiry=asked
    )
    view = await _review_view(harness, "UAPP1", request_id)
    assert "team/app" in harness.text_of(harness.calls("views.open")[-1])
    narrowed = harness.today() + timedelta(days=5)
    reply = await _submit_review(
        harness,
        "UAPP1",
        view,
        {
            BlockId.DECISION: {ActionId.INPUT: select_value("approve")},
            BlockId.COMMENT: {ActionId.INPUT: text_value("push only after the audit")},
            BlockId.EXPIRY: {ActionId.INPUT: date_value(narrowed.isoformat())},
            BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])},
            BlockId.scope_actions(1): {ActionId.INPUT: checkboxes(["pull"])},
        },
    )
    assert reply.status == 200
    assert not reply.text  # accepted: the modal closes
    assert await _state(harness, request_id) is RequestState.APPROVED

    approved_dm = harness.dms_to("UDEV")[-1]
    words = harness.text_of(approved_dm)
    assert "narrowed" in words
    assert "push removed from `team/app`" in words

    await harness.collect("UDEV", request_id)
    (token,) = harness.ionos.tokens(harness.registries["team-registry"].id)
    assert token.expiry is not None
    assert token.expiry.date() == narrowed
    assert {s["name"]: s["actions"] for s in token.scopes} == {
        "team/app": ["pull"],
        "team/base": ["pull"],
    }


async def test_a_forged_widening_is_refused(harness: Harness) -> None:
    request_id = await _submitted(harness, scopes=[("team/app", ["pull"])])
    view = await _review_view(harness, "UAPP1", request_id)
    later = harness.today() + timedelta(days=60)
    reply = await _submit_review(
        harness,
        "UAPP1",
        view,
        {
            BlockId.DECISION: {ActionId.INPUT: select_value("approve")},
            BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull", "push", "delete"])},
        },
    )
    assert reply.json["response_action"] == "errors"
    assert BlockId.scope_actions(0) in reply.json["errors"]
    reply = await _submit_review(
        harness,
        "UAPP1",
        view,
        {
            BlockId.DECISION: {ActionId.INPUT: select_value("approve")},
            BlockId.EXPIRY: {ActionId.INPUT: date_value(later.isoformat())},
        },
    )
    assert reply.json["response_action"] == "errors"
    assert BlockId.EXPIRY in reply.json["errors"]
    assert await _state(harness, request_id) is RequestState.PENDING
    assert (await _audit_actions(harness, request_id)).count("refused") == 2


async def test_deny_needs_a_comment_and_tells_the_requester(harness: Harness) -> None:
    request_id = await _submitted(harness)
    view = await _review_view(harness, "UAPP2", request_id, deny=True)
    decision = next(b for b in view["blocks"] if b.get("block_id") == BlockId.DECISION)
    assert decision["element"]["initial_option"]["value"] == "deny"
    deny = {BlockId.DECISION: {ActionId.INPUT: select_value("deny")}}
    reply = await _submit_review(harness, "UAPP2", view, deny)
    assert reply.json["errors"][BlockId.COMMENT]
    assert await _state(harness, request_id) is RequestState.PENDING

    reply = await _submit_review(
        harness,
        "UAPP2",
        view,
        deny | {BlockId.COMMENT: {ActionId.INPUT: text_value("use the shared CI token")}},
    )
    assert reply.status == 200
    assert await _state(harness, request_id) is RequestState.DENIED
    assert "Denied by <@UAPP2>" in harness.text_of(harness.calls("chat.update")[-1])
    assert "use the shared CI token" in harness.text_of(harness.dms_to("UDEV")[-1])
    # a late approval is answered in words and changes nothing
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    assert "already denied by <@UAPP2>" in _last_response_text(harness)
    assert await _audit_actions(harness, request_id) == ["requested", "denied", "refused"]


async def test_fifty_simultaneous_clicks_give_one_outcome(harness: Harness) -> None:
    request_id = await _submitted(harness)
    clicks = [
        harness.driver.block_action(
            ActionId.APPROVE,
            user_id=("UAPP1", "UAPP2")[i % 2],
            value=request_id,
            channel_id="CAPPROVALS",
        )
        for i in range(50)
    ]
    replies = await asyncio.gather(*clicks)
    await harness.settle()
    assert {r.status for r in replies} == {200}
    assert await _state(harness, request_id) is RequestState.APPROVED
    actions = await _audit_actions(harness, request_id)
    assert actions.count("approved") == 1
    assert actions.count("refused") == 49
    approved_dms = [c for c in harness.dms_to("UDEV") if ActionId.COLLECT in harness.text_of(c)]
    assert len(approved_dms) == 1


async def test_approve_against_deny_race_has_one_winner(harness: Harness) -> None:
    for _ in range(5):
        request_id = await _submitted(harness)
        view = await _review_view(harness, "UAPP2", request_id, deny=True)
        deny = harness.driver.view_submission(
            Callback.REVIEW_MODAL,
            user_id="UAPP2",
            view=view,
            private_metadata=view["private_metadata"],
            values={
                BlockId.DECISION: {ActionId.INPUT: select_value("deny")},
                BlockId.COMMENT: {ActionId.INPUT: text_value("no")},
            },
        )
        approves = [
            harness.driver.block_action(
                ActionId.APPROVE, user_id="UAPP1", value=request_id, channel_id="CAPPROVALS"
            )
            for _ in range(10)
        ]
        await asyncio.gather(deny, *approves)
        await harness.settle()
        actions = await _audit_actions(harness, request_id)
        final = [a for a in actions if a in ("approved", "denied")]
        assert len(final) == 1, actions
        assert await _state(harness, request_id) in (RequestState.APPROVED, RequestState.DENIED)


async def test_nobody_decides_their_own_request_and_outsiders_cannot(harness: Harness) -> None:
    request_id = await _submitted(harness, user="UAPP1")
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    assert "your own request" in _last_response_text(harness)
    await harness.click(ActionId.APPROVE, "UOUT", request_id)
    assert "Only approvers" in _last_response_text(harness)
    await harness.click(ActionId.REVIEW, "UOUT", request_id)
    assert "Only approvers" in _last_response_text(harness)
    assert await _state(harness, request_id) is RequestState.PENDING
    entries = await AuditLog(harness.redis, harness.keys).latest(10, request_id=request_id)
    refused = [e for e in entries if str(e.action) == "refused"]
    assert {e.actor for e in refused} == {"UAPP1", "UOUT"}
    assert len(refused) == 3


async def test_quorum_of_two_needs_two_different_people(harness: Harness) -> None:
    await harness.submit_request(
        "UDEV", registry="prod-registry", name="prod-push", scopes=[("prod/app", ["pull", "push"])]
    )
    request_id = await harness.request_id_posted(PROD_APPROVAL_CHANNEL)
    await harness.click(ActionId.APPROVE, "UAPP1", request_id, channel=PROD_APPROVAL_CHANNEL)
    assert "1 of 2" in _last_response_text(harness)
    assert await _state(harness, request_id) is RequestState.PENDING
    await harness.click(ActionId.APPROVE, "UAPP1", request_id, channel=PROD_APPROVAL_CHANNEL)
    assert "already approved" in _last_response_text(harness)
    assert await _state(harness, request_id) is RequestState.PENDING
    await harness.click(ActionId.APPROVE, "UAPP2", request_id, channel=PROD_APPROVAL_CHANNEL)
    assert await _state(harness, request_id) is RequestState.APPROVED
    actions = await _audit_actions(harness, request_id)
    assert actions == ["requested", "approval_recorded", "refused", "approved"]
