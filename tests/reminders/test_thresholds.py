"""Time travel through every threshold: one DM per threshold, the right words and buttons."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.reminders import DigestCategory
from bot.store.audit import AuditLog
from handlers.ids import ActionId
from tests.reminders.world import T0, World, buttons, text_of
from tests.scenario.harness import APPROVAL_CHANNEL

THRESHOLDS = ["14d", "3d", "1d", "1h"]


async def travel(world: World, until: timedelta, step: timedelta) -> None:
    """Sweep every `step` from now until `until` from T0 (the scheduler's ticks, compressed)."""
    while world.clock.now() - T0 < until:
        await world.sweep()
        world.clock.advance(step)


async def test_one_dm_per_threshold_with_words_and_buttons(world: World) -> None:
    expiry = T0 + timedelta(days=20)
    token = await world.token("ci-push", expiry=expiry, owner="UDEV")
    registry = world.registries["team-registry"]
    seen: list[int] = []

    # every 6 hours for 20 days minus 2 hours, then every 15 minutes until 10 minutes before
    await travel(world, timedelta(days=20) - timedelta(hours=2), timedelta(hours=6))
    seen.append(len(world.reminders_about("DUDEV", token)))
    world.clock.set(expiry - timedelta(hours=2))
    await travel(world, timedelta(days=20) - timedelta(minutes=10), timedelta(minutes=15))

    dms = world.reminders_about("DUDEV", token)
    assert len(dms) == 4, [m["text"] for m in dms]
    assert seen == [3]  # 14d, 3d, 1d before the last two hours; 1h within them
    for dm, label in zip(dms, THRESHOLDS, strict=True):
        assert f"Reminder {label} before expiry" in text_of(dm)
        assert buttons(dm) == {
            ActionId.EXTEND: f"{registry.id}:{token.id}",
            ActionId.ROTATE: f"{registry.id}:{token.id}",
            ActionId.DISABLE_NOW: f"{registry.id}:{token.id}",
        }
        assert "team-registry" in text_of(dm) and "`team/app`: pull, push" in text_of(dm)
    words = [dm["text"] for dm in dms]
    assert words == [
        "Your registry token ci-push on team-registry expires in 14 days, on 2026-12-16 06:00 UTC.",
        "Your registry token ci-push on team-registry expires in 3 days, on 2026-12-16 06:00 UTC.",
        "Your registry token ci-push on team-registry expires in 1 day, on 2026-12-16 06:00 UTC.",
        "Your registry token ci-push on team-registry expires in 1 hour, on 2026-12-16 06:00 UTC.",
    ]
    # nothing about this token went anywhere else
    assert world.reminders_about(APPROVAL_CHANNEL, token) == []
    # and each reminder is on the record, once
    entries = await AuditLog(world.bot.redis, world.bot.keys).latest(50, token=token.id)
    reminded = [e.detail for e in reversed(entries) if e.action == "reminded"]
    assert reminded == [f"token ci-push: {label} before expiry, to UDEV" for label in THRESHOLDS]


async def test_first_seen_late_gets_only_the_tightest_threshold(world: World) -> None:
    token = await world.token("late", expiry=T0 + timedelta(hours=2), owner="UDEV")
    report = await world.sweep()
    assert report.reminders_sent == 1
    [dm] = world.reminders_about("DUDEV", token)
    assert "Reminder 1d before expiry" in text_of(dm)
    assert "expires in 2 hours" in dm["text"]

    world.clock.advance(timedelta(minutes=15))
    assert (await world.sweep()).reminders_sent == 0  # still at 1d: nothing new
    world.clock.advance(timedelta(minutes=50))  # 55 minutes left: 1h crossed
    assert (await world.sweep()).reminders_sent == 1
    assert len(world.reminders_about("DUDEV", token)) == 2


async def test_an_extended_token_starts_the_ladder_again(world: World) -> None:
    token = await world.token("extended", expiry=T0 + timedelta(days=2), owner="UDEV")
    await world.sweep()
    registry = world.registries["team-registry"]
    world.ionos.token(registry.id, token.id).expiry = T0 + timedelta(days=2, hours=1)  # type: ignore[union-attr]
    await world.sweep()
    assert len(world.reminders_about("DUDEV", token)) == 2  # a new expiry is a new reminder


async def test_unknown_owner_is_reported_to_the_approval_channel(world: World) -> None:
    expiry = T0 + timedelta(days=20, minutes=30)
    token = await world.token("stray", expiry=expiry)
    registry = world.registries["team-registry"]

    await travel(world, timedelta(days=20), timedelta(hours=6))
    world.clock.set(expiry - timedelta(minutes=59))
    await world.sweep()
    await world.sweep()

    reports = world.reminders_about(APPROVAL_CHANNEL, token)
    assert len(reports) == 4
    assert all("not made through regbot" in text_of(r) for r in reports)
    assert buttons(reports[0]) == {
        ActionId.EXTEND: f"{registry.id}:{token.id}",
        ActionId.DISABLE_NOW: f"{registry.id}:{token.id}",
    }
    assert "expires in 3 days" in reports[1]["text"]
    # the daily digests along the way list it among the tokens nobody owns
    digests = world.digests_in(APPROVAL_CHANNEL)
    assert digests and all(token.id in text_of(d) for d in digests)
    assert DigestCategory.NO_OWNER.value.replace("_", " ") in digests[0]["text"]


async def test_disabled_and_far_tokens_get_no_reminder(world: World) -> None:
    await world.token("off", expiry=T0 + timedelta(hours=5), owner="UDEV", status="disabled")
    await world.token("far", expiry=T0 + timedelta(days=30), owner="UDEV")
    await world.token("never", owner="UDEV")
    report = await world.sweep()
    assert report.tokens == 3 and report.reminders_sent == 0
    assert world.reminders_in("DUDEV") == []
