"""Reviewing an extension offers only its expiry (issue #11, item 3).

An extension is applied by PATCHing the token's expiry; its scopes are not touched. The review
modal used to offer the scope checkboxes anyway: an approver unticked push, the message said
"push removed", and the token kept push. Now the modal offers the expiry only, a submission
that changes a scope anyway is refused in the modal (and audited), and what the messages say
narrowed is what IONOS has."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.devtools.slack_driver import checkboxes, date_value, select_value
from bot.domain.clock import FakeClock
from bot.domain.models import RequestState
from handlers.ids import ActionId, BlockId, Callback
from tests.scenario.harness import Harness
from tests.scenario.lifecycle_steps import audit, open_extend, request_of, submit_extend, team_id


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def _push_token(harness: Harness) -> str:
    await harness.submit_request("UDEV", name="ci-push", scopes=[("team/app", ["pull", "push"])])
    request_id = await harness.request_id_posted()
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    await harness.collect("UDEV", request_id)
    (token,) = harness.ionos.tokens(team_id(harness))
    return token.id


async def _extension(harness: Harness, token_id: str, days: int) -> str:
    view = await open_extend(harness, "UDEV", token_id)
    reply = await submit_extend(harness, "UDEV", view, harness.today() + timedelta(days=days))
    assert reply.status == 200 and not reply.text, reply.text
    return await harness.request_id_posted()


async def _review(harness: Harness, request_id: str) -> dict[str, Any]:
    await harness.click(ActionId.REVIEW, "UAPP1", request_id)
    view = harness.last_opened_view()
    assert view["callback_id"] == Callback.REVIEW_MODAL
    return view


async def _submit(harness: Harness, view: dict[str, Any], values: dict[str, Any]) -> Any:
    reply = await harness.driver.view_submission(
        Callback.REVIEW_MODAL,
        user_id="UAPP1",
        values={BlockId.DECISION: {ActionId.INPUT: select_value("approve")}, **values},
        private_metadata=view["private_metadata"],
        view=view,
    )
    await harness.settle()
    return reply


def _actions(harness: Harness, token_id: str) -> list[str]:
    token = harness.ionos.token(team_id(harness), token_id)
    assert token is not None
    return sorted(a for s in token.scopes for a in s["actions"])


async def test_the_review_of_an_extension_offers_the_expiry_only(
    harness: Harness, clock: FakeClock
) -> None:
    token_id = await _push_token(harness)
    request_id = await _extension(harness, token_id, days=60)
    view = await _review(harness, request_id)
    block_ids = [str(b.get("block_id", "")) for b in view["blocks"]]
    assert BlockId.EXPIRY in block_ids
    assert not [b for b in block_ids if b.startswith("scope_actions")]
    assert "keeps its scopes" in str(view)

    earlier = harness.today() + timedelta(days=30)
    reply = await _submit(
        harness, view, {BlockId.EXPIRY: {ActionId.INPUT: date_value(earlier.isoformat())}}
    )
    assert reply.status == 200 and not reply.text, reply.text
    token = harness.ionos.token(team_id(harness), token_id)
    assert token is not None and token.expiry is not None
    assert token.expiry.date() == earlier  # the narrowing shown is the one applied
    request = await request_of(harness, request_id)
    assert request.state is RequestState.COLLECTED
    assert request.narrowed == f"expiry moved to {earlier:%Y-%m-%d}"
    assert _actions(harness, token_id) == ["pull", "push"]


async def test_a_forged_scope_change_on_an_extension_is_refused_not_shown_as_done(
    harness: Harness, clock: FakeClock
) -> None:
    token_id = await _push_token(harness)
    request_id = await _extension(harness, token_id, days=60)
    view = await _review(harness, request_id)
    patches = [r for r in harness.ionos.requests if r.method == "PATCH"]

    # the checkboxes are not in the modal; a crafted submission sends them anyway
    untick_push = {BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])}}
    reply = await _submit(harness, view, untick_push)
    assert reply.json["response_action"] == "errors"
    assert "only sets a new expiry" in str(reply.json["errors"])

    assert (await request_of(harness, request_id)).state is RequestState.PENDING
    assert [r for r in harness.ionos.requests if r.method == "PATCH"] == patches
    assert _actions(harness, token_id) == ["pull", "push"]
    assert not [c for c in harness.slack.calls if "push removed" in harness.text_of(c)]
    refused = [e for e in await audit(harness, request_id=request_id) if e.action == "refused"]
    assert refused and "extension_scopes" in refused[-1].detail
