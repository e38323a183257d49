"""Extend, end to end: a reminder's Extend button (or `/regtoken extend`) → modal → approval
like any request → the expiry PATCHed on IONOS at once → the owner told; all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.devtools.ionos_knobs import FailRule
from bot.domain.clock import FakeClock
from bot.domain.models import RequestKind, RequestState
from handlers.ids import ActionId, BlockId
from tests.scenario.harness import Harness
from tests.scenario.lifecycle_steps import (
    audit,
    last_reply,
    open_extend,
    request_of,
    submit_extend,
    team_id,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _patches(harness: Harness, token_id: str) -> list[dict[str, object]]:
    return [
        r.body
        for r in harness.ionos.requests
        if r.method == "PATCH" and r.path.endswith(token_id) and r.status == 200
    ]


async def test_extend_from_a_reminder_button(harness: Harness, clock: FakeClock) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    view = await open_extend(harness, "UDEV", token_id)
    assert "ci-push" in harness.text_of(harness.slack.calls_to("views.update")[-1])
    new_day = harness.today() + timedelta(days=60)

    reply = await submit_extend(harness, "UDEV", view, new_day)
    assert reply.status == 200 and not reply.text, reply.text

    post = harness.approval_posts()[-1]
    assert "asks to *extend*" in harness.text_of(post) and "ci-push" in harness.text_of(post)
    request_id = harness.button_value(post, ActionId.APPROVE)
    request = await request_of(harness, request_id)
    assert (request.kind, request.target_token_id) == (RequestKind.EXTEND, token_id)
    assert [s.repository for s in request.ask.scopes] == ["team/app"]  # the token's scopes
    assert _patches(harness, token_id) == []  # nothing changes before approval

    await harness.click(ActionId.APPROVE, "UAPP1", request_id)

    token = harness.ionos.token(team_id(harness), token_id)
    assert token is not None and token.expiry is not None
    assert token.expiry.date() == new_day
    assert len(_patches(harness, token_id)) == 1
    assert "New expiry set" in harness.text_of(harness.calls("chat.update")[-1])
    told = harness.text_of(harness.dms_to("UDEV")[-1])
    assert "now expires" in told and "ci-push" in told
    assert ActionId.COLLECT not in told  # nothing to collect for an extension
    assert "new expiry is set" in last_reply(harness)
    assert (await request_of(harness, request_id)).state is RequestState.COLLECTED
    actions = [str(e.action) for e in await audit(harness, request_id=request_id)]
    assert actions == ["requested", "approved", "claimed", "extended"]
    extended = (await audit(harness, request_id=request_id))[-1]
    assert extended.token == token_id and new_day.isoformat() in extended.detail


async def test_extend_with_the_slash_command(harness: Harness, clock: FakeClock) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.command("extend team-registry ci-push", "UDEV")
    view = harness.last_opened_view()
    reply = await submit_extend(harness, "UDEV", view, harness.today() + timedelta(days=5))
    assert reply.status == 200 and not reply.text
    request_id = await harness.request_id_posted()
    await harness.click(ActionId.APPROVE, "UAPP2", request_id)
    assert len(_patches(harness, token_id)) == 1


async def test_dates_outside_the_policy_are_refused_in_the_modal(
    harness: Harness, clock: FakeClock
) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    view = await open_extend(harness, "UDEV", token_id)
    posts_before = len(harness.approval_posts())

    too_late = await submit_extend(harness, "UDEV", view, harness.today() + timedelta(days=91))
    assert too_late.json["response_action"] == "errors"
    assert "At most 90 days" in too_late.json["errors"][BlockId.EXPIRY]

    past = await submit_extend(harness, "UDEV", view, harness.today() - timedelta(days=1))
    assert "at least 1 hour ahead" in past.json["errors"][BlockId.EXPIRY]
    assert len(harness.approval_posts()) == posts_before  # no request was made


async def test_an_approver_extending_their_own_token_needs_another_approver(
    harness: Harness, clock: FakeClock
) -> None:
    token_id = await harness.issue_token("UAPP1", name="app1-pull", approver="UAPP2")
    view = await open_extend(harness, "UAPP1", token_id)
    await submit_extend(harness, "UAPP1", view, harness.today() + timedelta(days=30))
    request_id = await harness.request_id_posted()

    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    assert "your own request" in last_reply(harness)
    assert (await request_of(harness, request_id)).state is RequestState.PENDING
    assert _patches(harness, token_id) == []
    refused = [e for e in await audit(harness, request_id=request_id) if e.action == "refused"]
    assert refused and refused[0].actor == "UAPP1"

    await harness.click(ActionId.APPROVE, "UAPP2", request_id)
    assert len(_patches(harness, token_id)) == 1


async def test_an_outsider_cannot_extend_someone_elses_token(
    harness: Harness, clock: FakeClock
) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.click(ActionId.EXTEND, "UOUT", f"{team_id(harness)}:{token_id}", channel="DUOUT")
    # the modal opened at once (3 s trigger) says why, with nothing to submit
    shown = harness.last_opened_view()
    assert "submit" not in shown
    assert "Only the token's owner and the approvers" in harness.text_of(
        harness.slack.calls_to("views.update")[-1]
    )
    refused = [e for e in await audit(harness, token=token_id) if e.action == "refused"]
    assert refused[-1].actor == "UOUT" and "extend" in refused[-1].detail


async def test_ionos_refusing_the_patch_loses_nothing(harness: Harness, clock: FakeClock) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    view = await open_extend(harness, "UDEV", token_id)
    new_day = harness.today() + timedelta(days=45)
    await submit_extend(harness, "UDEV", view, new_day)
    request_id = await harness.request_id_posted()

    harness.ionos.knobs.fail_next.append(FailRule("PATCH", token_id, 500))
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)

    assert "could not set the new expiry" in last_reply(harness)  # the approver, in words
    assert "Nothing is lost" in last_reply(harness)
    owner_dm = harness.dms_to("UDEV")[-1]
    assert "did not take the new expiry" in harness.text_of(owner_dm)
    assert harness.button_value(owner_dm, ActionId.RETRY_EXTEND) == request_id
    update = harness.calls("chat.update")[-1]
    assert harness.button_value(update, ActionId.RETRY_EXTEND) == request_id  # approvers too
    assert (await request_of(harness, request_id)).state is RequestState.APPROVED
    failed = [e for e in await audit(harness, request_id=request_id) if e.action == "extended"]
    assert [str(e.outcome) for e in failed] == ["failed"]

    await harness.click(ActionId.RETRY_EXTEND, "UOUT", request_id, channel="DUOUT")
    assert "Only the requester" in last_reply(harness)

    await harness.click(ActionId.RETRY_EXTEND, "UDEV", request_id, channel="DUDEV")
    token = harness.ionos.token(team_id(harness), token_id)
    assert token is not None and token.expiry is not None and token.expiry.date() == new_day
    assert (await request_of(harness, request_id)).state is RequestState.COLLECTED
    assert "now expires" in last_reply(harness)
    outcomes = [
        (str(e.action), str(e.outcome))
        for e in await audit(harness, request_id=request_id)
        if e.action == "extended"
    ]
    assert outcomes == [("extended", "failed"), ("extended", "ok")]
