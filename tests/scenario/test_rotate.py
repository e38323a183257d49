"""Rotate, end to end: a successor with the same scopes, approved like a request, created on the
owner's click with its password in one ephemeral message; the old token disabled on "I've
switched" (or after the grace period) and deleted a grace period later; every step audited."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.clock import FakeClock
from bot.domain.models import RequestKind, RequestState
from bot.store.ownership import OwnershipStore
from handlers.ids import ActionId
from tests.scenario.harness import Harness
from tests.scenario.lifecycle_steps import (
    audit,
    housekeeping,
    last_reply,
    request_of,
    target,
    team_id,
)

GRACE = timedelta(hours=24)  # policy.reminders.rotate_grace_hours, the default


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def _rotated(harness: Harness) -> tuple[str, str, str]:
    """Issue `ci-push`, rotate it from a reminder button, approve, collect.
    Returns (old token id, new token id, request id)."""
    old_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.click(ActionId.ROTATE, "UDEV", target(harness, old_id), channel="DUDEV")
    assert "Rotation of `ci-push` asked for" in last_reply(harness)
    post = harness.approval_posts()[-1]
    assert "asks to *rotate*" in harness.text_of(post)
    request_id = harness.button_value(post, ActionId.APPROVE)
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    await harness.collect("UDEV", request_id)
    new = [t for t in harness.ionos.tokens(team_id(harness)) if t.id != old_id]
    assert len(new) == 1, "the rotation made no token (or more than one)"
    return old_id, new[0].id, request_id


def _status(harness: Harness, token_id: str) -> str | None:
    token = harness.ionos.token(team_id(harness), token_id)
    return token.status if token else None


async def test_rotate_then_switch(harness: Harness, clock: FakeClock) -> None:
    old_id, new_id, request_id = await _rotated(harness)
    old = harness.ionos.token(team_id(harness), old_id)
    new = harness.ionos.token(team_id(harness), new_id)
    assert old is not None and new is not None
    assert new.name == "ci-push-r2"
    assert new.scopes == old.scopes  # the same scopes
    request = await request_of(harness, request_id)
    assert (request.kind, request.state) == (RequestKind.ROTATE, RequestState.COLLECTED)

    carrying = [c for c in harness.slack.calls if new.password in harness.text_of(c)]
    assert [(c.method, c.payload["user"]) for c in carrying] == [("chat.postEphemeral", "UDEV")]
    owners = OwnershipStore(harness.redis, harness.keys)
    owned = await owners.get(new_id)
    assert owned is not None and owned.owner == "UDEV"

    offer = [c for c in harness.dms_to("UDEV") if ActionId.SWITCHED in harness.text_of(c)]
    assert len(offer) == 1
    assert harness.button_value(offer[0], ActionId.SWITCHED) == request_id
    assert _status(harness, old_id) == "enabled"  # nothing happens to it before the click

    await harness.click(ActionId.SWITCHED, "UDEV", request_id, channel="DUDEV")
    assert _status(harness, old_id) == "disabled"
    assert "is disabled now" in last_reply(harness)
    await harness.click(ActionId.SWITCHED, "UDEV", request_id, channel="DUDEV")
    assert "already disabled" in last_reply(harness)

    clock.advance(GRACE - timedelta(minutes=1))
    await housekeeping(harness)
    assert _status(harness, old_id) == "disabled"  # not yet
    clock.advance(timedelta(minutes=2))
    report = await housekeeping(harness)
    assert report.rotation_steps == 1
    assert _status(harness, old_id) is None  # deleted
    assert _status(harness, new_id) == "enabled"
    assert await owners.get(old_id) is None  # ownership has moved to the new token
    assert [o.token_id for o in await owners.of_user("UDEV")] == [new_id]

    steps = [(str(e.action), e.actor) for e in await audit(harness, token=old_id)]
    assert ("disabled", "UDEV") in steps and ("deleted", "regbot") in steps
    flow = [str(e.action) for e in await audit(harness, request_id=request_id)]
    assert flow == [
        "requested",
        "approved",
        "claimed",
        "created",
        "delivered",
        "disabled",
        "deleted",
    ]
    assert "deleted" in harness.text_of(harness.dms_to("UDEV")[-1])


async def test_without_the_click_the_grace_period_does_it(
    harness: Harness, clock: FakeClock
) -> None:
    old_id, _, request_id = await _rotated(harness)
    clock.advance(GRACE + timedelta(minutes=1))
    await housekeeping(harness)
    assert _status(harness, old_id) == "disabled"
    assert "is disabled" in harness.text_of(harness.dms_to("UDEV")[-1])
    await housekeeping(harness)
    assert _status(harness, old_id) == "disabled"  # deleted only a grace period later
    clock.advance(GRACE + timedelta(minutes=1))
    await housekeeping(harness)
    assert _status(harness, old_id) is None
    actions = [(str(e.action), e.actor) for e in await audit(harness, request_id=request_id)]
    assert actions[-2:] == [("disabled", "regbot"), ("deleted", "regbot")]


async def test_replicas_running_housekeeping_at_once_do_each_step_once(
    harness: Harness, clock: FakeClock
) -> None:
    old_id, _, request_id = await _rotated(harness)
    service = harness.bot.services.lifecycle.housekeeping
    for _ in range(2):
        clock.advance(GRACE + timedelta(minutes=1))
        reports = await asyncio.gather(*(service.housekeeping(clock.now()) for _ in range(4)))
        assert sum(r.rotation_steps for r in reports) == 1
    await harness.settle()
    assert _status(harness, old_id) is None
    calls = [r.method for r in harness.ionos.requests if r.path.endswith(old_id)]
    assert calls.count("PATCH") == 1 and calls.count("DELETE") == 1
    actions = [str(e.action) for e in await audit(harness, request_id=request_id)]
    assert actions.count("disabled") == 1 and actions.count("deleted") == 1


async def test_asking_twice_shows_the_open_rotation(harness: Harness, clock: FakeClock) -> None:
    old_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.command("rotate team-registry ci-push", "UDEV")
    assert "Rotation of `ci-push` asked for" in last_reply(harness)
    await harness.click(ActionId.ROTATE, "UDEV", target(harness, old_id), channel="DUDEV")
    assert "already waiting for approval" in last_reply(harness)
    rotations = [c for c in harness.approval_posts() if "asks to *rotate*" in harness.text_of(c)]
    assert len(rotations) == 1


async def test_only_owner_or_approver_can_rotate_or_switch(
    harness: Harness, clock: FakeClock
) -> None:
    old_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.click(ActionId.ROTATE, "UOUT", target(harness, old_id), channel="DUOUT")
    assert "Only the token's owner and the approvers" in last_reply(harness)
    refused = [e for e in await audit(harness, token=old_id) if e.action == "refused"]
    assert refused[-1].actor == "UOUT" and "rotate" in refused[-1].detail
