"""How Home tabs are republished: in the background after the ack, coalesced per person,
paced, and again after Slack's 429."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.clock import FakeClock
from bot.store.ownership import OwnershipStore, TokenOwnership
from handlers.ids import ActionId
from handlers.notifiers.pacing import RatePacer
from tests.scenario.harness import APPROVAL_CHANNEL, Harness
from tests.scenario.test_home import asked, values_of

FANS = 15  # past the burst of 10: the last ones wait their turn for seconds


async def test_repeated_refreshes_of_one_person_coalesce(harness: Harness) -> None:
    await harness.open_home("UDEV")
    before = len(harness.homes_published("UDEV"))
    updates = harness.bot.services.home.updates

    for _ in range(20):
        updates.refresh("UDEV")
    await harness.homes_settled()

    assert len(harness.homes_published("UDEV")) == before + 1


async def test_the_ack_does_not_wait_for_the_home_and_a_429_is_waited_out(
    harness: Harness,
) -> None:
    harness.slack.fail("views.publish", status=429, retry_after=1, times=3)

    reply = await harness.driver.event({"type": "app_home_opened", "user": "UDEV", "tab": "home"})

    assert reply.status == 200
    assert not harness.has_home("UDEV")  # answered before Slack took any Home
    await harness.homes_settled()
    assert harness.has_home("UDEV")  # after the Retry-After, published
    assert len(harness.homes_published("UDEV")) == 4  # three 429s, then taken
    assert "Request a token" in harness.text_of(harness.calls("views.publish")[-1])


async def test_a_click_is_acked_while_many_homes_wait_to_be_published(harness: Harness) -> None:
    request_id = await asked(harness, "UDEV", "busy")
    await harness.open_home("UAPP2")
    for index in range(FANS):  # people who opened Home, all to be republished
        await harness.bot.services.home.view.opened(
            f"UFAN{index}", harness.bot.services.clock.now()
        )
    harness.bot.services.home.updates.refresh(*(f"UFAN{i}" for i in range(FANS)))

    reply = await harness.driver.block_action(
        ActionId.APPROVE, user_id="UAPP1", value=request_id, channel_id=APPROVAL_CHANNEL
    )

    assert reply.status == 200
    assert not all(harness.homes_published(f"UFAN{i}") for i in range(FANS))  # still queued
    await harness.homes_settled()
    assert values_of(harness.home("UAPP2"), ActionId.APPROVE) == []
    assert all(harness.homes_published(f"UFAN{i}") for i in range(FANS))


async def test_the_pacer_lets_a_burst_through_then_one_call_per_interval() -> None:
    clock = FakeClock()
    pacer = RatePacer(clock, interval=timedelta(seconds=0.6), burst=10)
    start = clock.now()

    for _ in range(10):
        await pacer.wait()
    assert clock.now() == start  # the burst: no waiting
    for _ in range(5):
        await pacer.wait()
    assert clock.now() - start == timedelta(seconds=3)  # then 100 a minute

    pacer.block(7)
    await pacer.wait()
    assert clock.now() - start >= timedelta(seconds=10)  # a 429's Retry-After is waited out


async def test_an_expiry_refreshes_the_homes_it_concerns(harness: Harness) -> None:
    team = harness.registries["team-registry"]
    now = harness.bot.services.clock.now()
    token = harness.ionos.add_token(team.id, "nearly-gone", expiry=now + timedelta(hours=20))
    await OwnershipStore(harness.redis, harness.keys).record(
        TokenOwnership(
            token_id=token.id,
            owner="UDEV",
            registry_id=team.id,
            registry_name=team.name,
            token_name=token.name,
            request_id="seeded",
            created_at=now,
        )
    )
    request_id = await asked(harness, "UDEV", "never-decided")
    await harness.open_home("UDEV")
    await harness.open_home("UAPP1")
    published = len(harness.homes_published("UDEV"))

    await harness.bot.reminders.sweep(now)  # the token: reminded a day before its expiry
    await harness.homes_settled()

    assert [c for c in harness.dms_to("UDEV") if "nearly-gone" in harness.text_of(c)]
    assert len(harness.homes_published("UDEV")) == published + 1

    housekeeping = harness.bot.services.lifecycle.housekeeping
    await housekeeping.housekeeping(now + timedelta(days=4))  # the request: never decided
    await harness.homes_settled()

    home = harness.home("UDEV")
    assert values_of(home, ActionId.CANCEL_REQUEST) == []
    assert "nobody decided in time" in str(home)
    assert request_id not in values_of(harness.home("UAPP1"), ActionId.APPROVE)
