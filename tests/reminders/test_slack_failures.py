"""Slack not taking a reminder (429, 5xx, ok:false): it arrives once, at the next sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.reminders.world import T0, World
from tests.scenario.harness import APPROVAL_CHANNEL

pytestmark = pytest.mark.reliability

FAILURES = {
    "429 with Retry-After": {"status": 429, "retry_after": 30},
    "503": {"status": 503},
    "ok false": {"status": 200, "error": "fatal_error"},
}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
async def test_failed_reminder_arrives_once_at_the_next_sweep(
    world: World, failure: dict[str, object]
) -> None:
    token = await world.token("ci-push", expiry=T0 + timedelta(days=2), owner="UDEV")
    world.slack.fail("chat.postMessage", **failure)  # type: ignore[arg-type]

    first = await world.sweep()
    assert (first.reminders_sent, first.reminders_failed) == (0, 1)
    assert world.reminders_about("DUDEV", token) == []

    world.clock.advance(timedelta(minutes=15))
    second = await world.sweep()
    assert (second.reminders_sent, second.reminders_failed) == (1, 0)

    world.clock.advance(timedelta(minutes=15))
    third = await world.sweep()
    assert (third.reminders_sent, third.reminders_skipped) == (0, 1)

    assert len(world.reminders_about("DUDEV", token)) == 1
    attempts = [
        c for c in world.slack.calls_to("chat.postMessage") if c.payload["channel"] == "UDEV"
    ]
    assert len(attempts) == 2  # the refused one, then the one that arrived


async def test_retry_after_holds_back_that_channel_only(world: World) -> None:
    mine = [
        await world.token(f"mine-{i}", expiry=T0 + timedelta(days=2), owner="UDEV")
        for i in range(3)
    ]
    other = await world.token("theirs", expiry=T0 + timedelta(days=2), owner="UAPP1")
    stray = await world.token("stray", expiry=T0 + timedelta(days=2))
    world.slack.fail("chat.postMessage", status=429, retry_after=120)

    first = await world.sweep()
    # the first post (whichever channel it was for) got the 429; that channel waits out
    # Retry-After for the rest of the sweep, the others are paced and sent
    assert first.reminders_sent + first.reminders_failed == 5
    assert first.reminders_failed >= 1

    world.clock.advance(timedelta(minutes=15))
    await world.sweep()
    for token in mine:
        assert len(world.reminders_about("DUDEV", token)) == 1
    assert len(world.reminders_about("DUAPP1", other)) == 1
    assert len(world.reminders_about(APPROVAL_CHANNEL, stray)) == 1


async def test_one_channel_is_paced_about_a_message_a_second(world: World) -> None:
    for i in range(5):
        await world.token(f"tok-{i}", expiry=T0 + timedelta(days=2), owner="UDEV")
    began = world.clock.now()
    report = await world.sweep()
    assert report.reminders_sent == 5
    # five posts to one DM: four waits of a second, taken on the (fake) clock, not for real
    assert world.clock.now() - began >= timedelta(seconds=4)


async def test_an_owner_slack_cannot_reach_is_reported_to_the_approvers(world: World) -> None:
    token = await world.token("ci-push", expiry=T0 + timedelta(days=2), owner="UDEV")
    world.slack.fail("chat.postMessage", error="account_inactive")  # the owner has left

    report = await world.sweep()
    assert (report.reminders_sent, report.reminders_failed) == (1, 0)
    assert world.reminders_about("DUDEV", token) == []
    (sent,) = world.reminders_about(APPROVAL_CHANNEL, token)
    assert "<@UDEV> can no longer be reached" in str(sent["blocks"])

    world.clock.advance(timedelta(minutes=15))
    again = await world.sweep()
    assert again.reminders_sent == 0  # once per threshold, as for any reminder
