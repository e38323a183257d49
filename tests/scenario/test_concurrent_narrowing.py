"""Two approvers narrowing one request at once (issue #11, item 4).

The approval service reads the request, waits on Slack for the user-group lookup, then narrows
its copy; the last approval used to replace the ask as a whole, putting back what the other
approver took away. Now a narrowing applies only to the version it was made from (checked in
the approve script); an approval made from an older version is refused with the request as it
is now, and a quorum approval never widens what an earlier approver narrowed.

The slow lookup is the Slack stand-in holding ``usergroups.users.list`` unanswered until the
test releases it (`FakeSlack.hold`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.devtools.slack_driver import checkboxes, select_value
from bot.domain.models import Action, RequestState
from bot.policy.model import Policy
from handlers.ids import ActionId, BlockId, Callback
from tests.scenario.harness import Harness, policy_mapping
from tests.scenario.lifecycle_steps import audit, request_of, team_id

GROUP_LOOKUP = "usergroups.users.list"


@pytest.fixture
def policy() -> Policy:
    """team-registry: UAPP2 named in the policy (no Slack lookup), UAPP1 an approver through
    the SAPPROVERS group (a lookup on every check: no cache); push needs two approvals."""
    mapping = policy_mapping()
    mapping["registries"]["team-registry"] = {
        "approvers": ["UAPP2", "SAPPROVERS"],
        "quorum": {"push": 2},
    }
    mapping["usergroup_cache_seconds"] = 0
    return Policy.from_mapping(mapping)


SCOPES = [("team/app", ["pull", "push"]), ("team/lib", ["pull"])]


async def _review_view(harness: Harness, user: str, request_id: str) -> dict[str, Any]:
    await harness.click(ActionId.REVIEW, user, request_id)
    view = harness.last_opened_view()
    assert view["callback_id"] == Callback.REVIEW_MODAL
    return view


def _approve(app: list[str], lib: list[str]) -> dict[str, Any]:
    return {
        BlockId.DECISION: {ActionId.INPUT: select_value("approve")},
        BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(app)},
        BlockId.scope_actions(1): {ActionId.INPUT: checkboxes(lib)},
    }


async def _submit(harness: Harness, user: str, view: dict[str, Any], values: dict[str, Any]) -> Any:
    """Send a review modal; returns at the ack (the approval itself runs after it)."""
    return await harness.driver.view_submission(
        Callback.REVIEW_MODAL,
        user_id=user,
        values=values,
        private_metadata=view["private_metadata"],
        view=view,
    )


def _scopes(request: Any) -> dict[str, set[Action]]:
    return {s.repository: set(s.actions) for s in request.ask.scopes}


async def test_a_narrowing_made_while_another_applied_is_refused_not_merged_wider(
    harness: Harness,
) -> None:
    await harness.submit_request("UDEV", scopes=SCOPES)
    request_id = await harness.request_id_posted()
    view_1 = await _review_view(harness, "UAPP1", request_id)
    view_2 = await _review_view(harness, "UAPP2", request_id)

    lookups = len(harness.calls(GROUP_LOOKUP))
    slack_answers = harness.slack.hold(GROUP_LOOKUP)
    # UAPP1 takes push away; the bot reads the request, then waits on Slack to check UAPP1
    reply = await _submit(harness, "UAPP1", view_1, _approve(["pull"], ["pull"]))
    assert reply.status == 200 and not reply.text
    await harness.wait_for(lambda: len(harness.calls(GROUP_LOOKUP)) > lookups, "UAPP1 checked")
    # meanwhile UAPP2 (named in the policy: no lookup) takes team/lib away, and that applies
    reply = await _submit(harness, "UAPP2", view_2, _approve(["pull", "push"], []))
    assert reply.status == 200 and not reply.text
    async with asyncio.timeout(10):  # UAPP2's approval is done after its ack
        while not (await request_of(harness, request_id)).approvals:
            await asyncio.sleep(0.01)
    narrowed_once = await request_of(harness, request_id)
    assert [a.user_id for a in narrowed_once.approvals] == ["UAPP2"]

    slack_answers.set()  # Slack answers UAPP1's lookup: their approval, from the old copy
    await harness.settle()

    request = await request_of(harness, request_id)
    assert "team/lib" not in _scopes(request)  # what UAPP2 took away stays away
    assert request.state is RequestState.PENDING  # UAPP1's stale approval did not count
    assert [a.user_id for a in request.approvals] == ["UAPP2"]
    told = harness.text_of(harness.dms_to("UAPP1")[-1])
    assert "Another approver narrowed this request" in told
    assert "`team/app`: pull, push" in told  # the request as it is now
    refused = [e for e in await audit(harness, request_id=request_id) if e.action == "refused"]
    assert refused and refused[-1].actor == "UAPP1" and "stale_view" in refused[-1].detail

    # UAPP1 reviews what it asks now and takes push away: the quorum approves both narrowings
    view_1 = await _review_view(harness, "UAPP1", request_id)
    assert len([b for b in view_1["blocks"] if "scope_actions" in str(b.get("block_id"))]) == 1
    values = {
        BlockId.DECISION: {ActionId.INPUT: select_value("approve")},
        BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])},
    }
    await _submit(harness, "UAPP1", view_1, values)
    await harness.settle()
    request = await request_of(harness, request_id)
    assert request.state is RequestState.APPROVED
    assert _scopes(request) == {"team/app": {Action.PULL}}
    await harness.collect("UDEV", request_id)
    (token,) = harness.ionos.tokens(team_id(harness))
    assert [(s["name"], s["actions"]) for s in token.scopes] == [("team/app", ["pull"])]


async def test_a_review_opened_before_a_narrowing_shows_the_request_as_it_is_now(
    harness: Harness,
) -> None:
    await harness.submit_request("UDEV", scopes=SCOPES)
    request_id = await harness.request_id_posted()
    view_2 = await _review_view(harness, "UAPP2", request_id)  # opened first, shows push
    view_1 = await _review_view(harness, "UAPP1", request_id)
    await _submit(harness, "UAPP1", view_1, _approve(["pull"], ["pull"]))  # push removed
    await harness.settle()

    reply = await _submit(harness, "UAPP2", view_2, _approve(["pull", "push"], []))
    await harness.settle()
    assert reply.json["response_action"] == "update"  # the modal now shows the current ask
    shown = str(reply.json["view"])
    assert "Another approver narrowed this request" in shown
    request = await request_of(harness, request_id)
    assert [a.user_id for a in request.approvals] == ["UAPP1"]  # UAPP2 decides again
    assert _scopes(request) == {"team/app": {Action.PULL}, "team/lib": {Action.PULL}}
    assert not [e for e in await audit(harness) if "wider_than_requested" in e.detail]
