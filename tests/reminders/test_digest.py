"""The daily digest: once per approval channel and UTC day across replicas, every category."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.devtools.ionos import FailRule
from bot.domain.reminders import DigestCategory
from handlers.ids import ActionId
from tests.reminders.world import World, replica, text_of
from tests.scenario.harness import APPROVAL_CHANNEL, PROD_APPROVAL_CHANNEL

NINE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # after the digest hour (08:00 UTC)


async def seed(world: World) -> dict[str, str]:
    world.clock.set(NINE - timedelta(days=40))
    old_off = await world.token("old-off", owner="UDEV", status="disabled")
    world.clock.set(NINE - timedelta(days=5))
    await world.token("new-off", owner="UDEV", status="disabled", expiry=NINE + timedelta(days=9))
    world.clock.set(NINE)
    forever = await world.token("forever", owner="UDEV")
    too_far = await world.token("too-far", owner="UDEV", expiry=NINE + timedelta(days=200))
    stray = await world.token("stray", expiry=NINE + timedelta(days=30))
    await world.token("fine", owner="UDEV", expiry=NINE + timedelta(days=30))
    prod = await world.token("prod-forever", registry="prod-registry", owner="UAPP1")
    return {t.name: t.id for t in (old_off, forever, too_far, stray, prod)}


async def test_once_per_channel_and_day_across_two_replicas(world: World) -> None:
    ids = await seed(world)
    async with replica(world) as other:
        reports = await asyncio.gather(world.bot.reminders.sweep(NINE), other.reminders.sweep(NINE))
    assert sum(r.digests_sent for r in reports) == 2  # one per channel, whoever sent it

    [digest] = world.digests_in(APPROVAL_CHANNEL)
    [prod_digest] = world.digests_in(PROD_APPROVAL_CHANNEL)
    body = text_of(digest)
    for title in (
        "Tokens that never expire* (1)",
        "Tokens expiring later than the policy allows* (1)",
        "Tokens not made through regbot (no owner)* (1)",
        "Tokens disabled for more than 30 days* (1)",
    ):
        assert title in body
    registry = world.registries["team-registry"]
    acts = _accessories(digest)
    assert (ActionId.EXTEND, f"{registry.id}:{ids['forever']}") in acts
    assert (ActionId.EXTEND, f"{registry.id}:{ids['too-far']}") in acts
    # an unowned token gets an Assign owner user select; its block id names the token
    assert f"assign_owner:{registry.id}:{ids['stray']}" in _user_selects(digest)
    assert (ActionId.DELETE_NOW, f"{registry.id}:{ids['old-off']}") in acts
    assert "new-off" not in body and "`fine`" not in body
    assert "prod-forever" in text_of(prod_digest) and "prod-forever" not in body

    # later the same day, on either replica: nothing more
    world.clock.set(NINE + timedelta(hours=3))
    assert (await world.sweep()).digests_sent == 0
    assert len(world.digests_in(APPROVAL_CHANNEL)) == 1

    # the next day: before the hour nothing, at the hour a new one
    world.clock.set(NINE + timedelta(days=1) - timedelta(hours=2))
    assert (await world.sweep()).digests_sent == 0
    world.clock.set(NINE + timedelta(days=1))
    assert (await world.sweep()).digests_sent == 2
    assert len(world.digests_in(APPROVAL_CHANNEL)) == 2


async def test_a_failed_digest_is_sent_at_the_next_sweep(world: World) -> None:
    await seed(world)
    world.slack.fail("chat.postMessage", status=503, times=2)
    first = await world.sweep()
    assert (first.digests_sent, first.digests_failed) == (0, 2)
    world.clock.advance(timedelta(minutes=15))
    assert (await world.sweep()).digests_sent == 2
    assert len(world.digests_in(APPROVAL_CHANNEL)) == 1


async def test_long_lists_are_cut_with_a_count(world: World) -> None:
    world.clock.set(NINE)
    for i in range(25):
        await world.token(f"stray-{i}", expiry=NINE + timedelta(days=30))
    await world.sweep()
    [digest] = world.digests_in(APPROVAL_CHANNEL)
    assert "(no owner)* (25)" in text_of(digest)
    assert "and 15 more" in text_of(digest)
    assert len(digest["blocks"]) <= 50
    assert f"25 {DigestCategory.NO_OWNER.value.replace('_', ' ')}" in digest["text"]


def _user_selects(message: dict[str, object]) -> list[str]:
    """Block ids of the rows whose accessory is the Assign owner user select."""
    return [
        block["block_id"]
        for block in message.get("blocks") or []  # type: ignore[attr-defined]
        if (block.get("accessory") or {}).get("action_id") == ActionId.ASSIGN_OWNER
    ]


def _accessories(message: dict[str, object]) -> list[tuple[str, str]]:
    found = []
    for block in message.get("blocks") or []:  # type: ignore[attr-defined]
        acc = block.get("accessory")
        if acc and acc.get("type") == "button":
            found.append((acc["action_id"], acc["value"]))
    return found


async def test_a_registry_ionos_failed_on_holds_back_only_its_channels_digest(
    world: World,
) -> None:
    await seed(world)
    team = world.registries["team-registry"]
    world.ionos.knobs.fail_next.append(FailRule("GET", f"/registries/{team.id}/tokens", 403))
    report = await world.sweep()
    assert report.registries_failed == 1
    assert report.digests_sent == 1  # prod's; team's waits for a complete walk
    assert world.digests_in(APPROVAL_CHANNEL) == []
    assert len(world.digests_in(PROD_APPROVAL_CHANNEL)) == 1

    world.clock.advance(timedelta(minutes=15))
    again = await world.sweep()
    assert (again.registries_failed, again.digests_sent) == (0, 1)
    assert len(world.digests_in(APPROVAL_CHANNEL)) == 1
    assert len(world.digests_in(PROD_APPROVAL_CHANNEL)) == 1
