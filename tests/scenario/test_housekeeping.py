"""Housekeeping of requests: approvers nudged after a delay that doubles, pending requests
expiring after request_ttl, approved ones not collected expiring after claim_ttl — the requester
told, the approval message updated, all audited, each thing done once across replicas."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from bot.devtools.slack import SlackCall
from bot.domain.clock import FakeClock
from bot.domain.models import RequestState
from handlers.ids import ActionId
from tests.scenario.harness import APPROVAL_CHANNEL, Harness
from tests.scenario.lifecycle_steps import audit, housekeeping, last_reply, request_of

NUDGE_AFTER = timedelta(hours=4)  # the policy defaults
REQUEST_TTL = timedelta(hours=72)
CLAIM_TTL = timedelta(hours=24)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


_NAMES = itertools.count(1)


async def _submitted(harness: Harness) -> tuple[str, str]:
    """A pending request on team-registry; (request id, ts of its approval message). Each has
    a name of its own: two open requests never share a token name on one registry."""
    await harness.submit_request("UDEV", name=f"ci-push-{next(_NAMES)}")
    post = harness.approval_posts()[-1]
    ts = harness.slack.messages_in(APPROVAL_CHANNEL)[-1]["ts"]
    return harness.button_value(post, ActionId.APPROVE), ts


def _nudges(harness: Harness, ts: str) -> list[SlackCall]:
    return [c for c in harness.approval_posts() if c.payload.get("thread_ts") == ts]


async def test_approvers_are_nudged_with_a_doubling_delay(
    harness: Harness, clock: FakeClock
) -> None:
    request_id, ts = await _submitted(harness)
    timeline = [  # hours since the request, nudges expected by then
        (3, 0),
        (4, 1),  # after nudge_after
        (8, 1),
        (11, 1),
        (12, 2),  # then after twice that
        (27, 2),
        (28, 3),  # then four times
    ]
    start = clock.now()
    for hours, expected in timeline:
        clock.set(start + timedelta(hours=hours, seconds=1))
        await housekeeping(harness)
        await housekeeping(harness)  # a second run at the same moment changes nothing
        assert len(_nudges(harness, ts)) == expected, f"after {hours} h"

    nudge = _nudges(harness, ts)[0]
    assert nudge.payload["channel"] == APPROVAL_CHANNEL
    assert "<!subteam^SAPPROVERS>" in harness.text_of(nudge)
    assert "<@UDEV>" in harness.text_of(nudge)
    actions = [str(e.action) for e in await audit(harness, request_id=request_id)]
    assert actions.count("nudged") == 3
    assert (await request_of(harness, request_id)).state is RequestState.PENDING


async def test_a_pending_request_expires_after_the_request_ttl(
    harness: Harness, clock: FakeClock
) -> None:
    request_id, _ = await _submitted(harness)
    clock.advance(REQUEST_TTL - timedelta(minutes=1))
    report = await housekeeping(harness)
    assert report.expired_pending == 0
    assert (await request_of(harness, request_id)).state is RequestState.PENDING

    clock.advance(timedelta(minutes=2))
    report = await housekeeping(harness)
    assert report.expired_pending == 1
    assert (await request_of(harness, request_id)).state is RequestState.EXPIRED
    assert "expired" in harness.text_of(harness.dms_to("UDEV")[-1])
    update = harness.calls("chat.update")[-1]
    assert update.payload["channel"] == APPROVAL_CHANNEL
    assert "nobody decided in time" in harness.text_of(update)
    assert ActionId.APPROVE not in harness.text_of(update)
    expired = [e for e in await audit(harness, request_id=request_id) if e.action == "expired"]
    assert len(expired) == 1 and "not decided within 72 hours" in expired[0].detail

    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    assert "expired" in last_reply(harness)


async def test_an_approved_request_not_collected_expires_after_the_claim_ttl(
    harness: Harness, clock: FakeClock
) -> None:
    request_id, _ = await _submitted(harness)
    clock.advance(timedelta(hours=50))  # approved late in its life: the claim ttl still counts
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    clock.advance(CLAIM_TTL - timedelta(minutes=1))
    await housekeeping(harness)
    assert (await request_of(harness, request_id)).state is RequestState.APPROVED

    clock.advance(timedelta(minutes=2))
    report = await housekeeping(harness)
    assert report.expired_unclaimed == 1
    assert (await request_of(harness, request_id)).state is RequestState.EXPIRED
    assert "expired" in harness.text_of(harness.dms_to("UDEV")[-1])
    assert "then expired: not collected in time" in harness.text_of(
        harness.calls("chat.update")[-1]
    )

    await harness.collect("UDEV", request_id)
    assert "expired" in last_reply(harness)
    assert harness.ionos.tokens(harness.registries["team-registry"].id) == []
    actions = [str(e.action) for e in await audit(harness, request_id=request_id)]
    assert actions == ["requested", "approved", "expired", "refused"]  # the late click


async def test_runs_at_once_do_each_thing_once(harness: Harness, clock: FakeClock) -> None:
    stale, _ = await _submitted(harness)  # will expire
    unclaimed, _ = await _submitted(harness)
    await harness.click(ActionId.APPROVE, "UAPP2", unclaimed)  # will expire uncollected
    clock.advance(REQUEST_TTL - timedelta(hours=5))
    nudged, ts = await _submitted(harness)  # will be nudged
    clock.advance(timedelta(hours=5, minutes=1))
    dms_before = len(harness.dms_to("UDEV"))

    service = harness.bot.services.lifecycle.housekeeping
    reports = await asyncio.gather(*(service.housekeeping(clock.now()) for _ in range(5)))
    await harness.settle()

    assert sum(r.expired_pending for r in reports) == 1
    assert sum(r.expired_unclaimed for r in reports) == 1
    assert sum(r.nudged for r in reports) == 1
    assert all(r.failures == 0 for r in reports)
    assert len(_nudges(harness, ts)) == 1
    assert len(harness.dms_to("UDEV")) == dms_before + 2  # one "expired" DM per request
    for request_id, action in ((stale, "expired"), (unclaimed, "expired"), (nudged, "nudged")):
        entries = [e for e in await audit(harness, request_id=request_id) if e.action == action]
        assert len(entries) == 1, (request_id, action)
