"""One member flooding the approvers (issue #11, item 6).

A person may have ``max_open_requests_per_user`` requests waiting for approval on a registry
(default 5); one more is refused in the request modal, in words. And nothing that lists pending
requests drops some silently: `/regtoken pending` pages and says how many more there are, and
the nudges reach every pending request, however many there are."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from bot.devtools.slack_driver import select_value, text_value
from bot.domain.clock import FakeClock
from bot.domain.models import Action, RepoScope, RequestState, TokenAsk, TokenRequest
from bot.store.requests import RequestStore
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.approval import ReviewMeta
from tests.scenario.harness import APPROVAL_CHANNEL, Harness
from tests.scenario.lifecycle_steps import audit, housekeeping, team_id


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def _ask(harness: Harness, user: str, name: str, registry: str = "team-registry") -> dict:
    reply = await harness.submit_request(user, name=name, registry=registry)
    assert reply.status == 200
    return reply.json if reply.text else {}


async def test_a_sixth_open_request_is_refused_in_the_modal(
    harness: Harness, clock: FakeClock
) -> None:
    for n in range(5):
        assert await _ask(harness, "UDEV", f"flood-{n}") == {}
    posts = len(harness.approval_posts())

    answer = await _ask(harness, "UDEV", "flood-5")
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        BlockId.REGISTRY: "You already have 5 requests waiting for approval on team-registry, "
        "the most allowed at once. Ask again once one of them is decided or has expired."
    }
    assert len(harness.approval_posts()) == posts  # the approvers saw nothing of it
    refused = [e for e in await audit(harness) if e.action == "refused"]
    assert refused[-1].actor == "UDEV" and "too_many_open" in refused[-1].detail

    # the limit is per person and per registry
    assert await _ask(harness, "UOTHER", "other-1") == {}
    assert await _ask(harness, "UDEV", "flood-prod", registry="prod-registry") == {}

    # a decision frees a place
    first = harness.button_value(harness.approval_posts()[0], ActionId.APPROVE)
    await harness.driver.view_submission(
        Callback.REVIEW_MODAL,
        user_id="UAPP1",
        values={
            BlockId.DECISION: {ActionId.INPUT: select_value("deny")},
            BlockId.COMMENT: {ActionId.INPUT: text_value("one is enough")},
        },
        private_metadata=ReviewMeta(request_id=first).model_dump_json(),
    )
    await harness.settle()
    assert await _ask(harness, "UDEV", "flood-5") == {}


async def test_the_pending_listing_pages_and_says_how_many_more(
    harness: Harness, clock: FakeClock
) -> None:
    for user in ("UDEV", "UOTHER", "UOUT", "UAPP2"):
        for n in range(5):
            assert await _ask(harness, user, f"{user.lower()}-{n}") == {}

    await harness.command("pending", "UAPP1")
    first = harness.text_of(harness.responses()[-1])
    assert "20 requests wait for your decision" in first
    assert first.count(ActionId.REVIEW) == 15
    assert "…and 5 more waiting: `/regtoken pending 2` shows the next ones." in first

    await harness.command("pending 2", "UAPP1")
    second = harness.text_of(harness.responses()[-1])
    assert second.count(ActionId.REVIEW) == 5
    assert "more waiting" not in second
    shown = {
        block["block_id"]
        for call in harness.responses()[-2:]
        for block in call.payload["blocks"]
        if str(block.get("block_id", "")).startswith("pending_")
    }
    assert len(shown) == 20  # every request is on one page or the other


async def test_nudges_reach_every_pending_request(harness: Harness, clock: FakeClock) -> None:
    store = RequestStore(harness.redis, harness.keys)
    count = 130  # more than any page the bot reads at once
    for n in range(count):
        ask = TokenAsk(
            registry_id=team_id(harness),
            registry_name="team-registry",
            token_name=f"many-{n}",
            scopes=[RepoScope(repository="team/app", actions=frozenset({Action.PULL}))],
            expiry=clock.now() + timedelta(days=10),
            reason="a flood",
        )
        request = TokenRequest(
            id=uuid.uuid4().hex,
            state=RequestState.PENDING,
            requester=f"UFLOOD{n}",
            ask=ask,
            created_at=clock.now(),
            approval_channel=APPROVAL_CHANNEL,
        )
        await store.create(request, nonce=uuid.uuid4().hex, ttl=timedelta(hours=72))
    assert len(await store.pending()) == count

    clock.advance(timedelta(hours=4, minutes=1))
    report = await housekeeping(harness)
    assert report.nudged == count
    nudged = [e for e in await audit(harness) if e.action == "nudged"]
    assert len({e.request_id for e in nudged}) == count


async def test_a_long_token_listing_says_how_many_more(harness: Harness, clock: FakeClock) -> None:
    for n in range(45):
        harness.ionos.add_token(team_id(harness), f"bulk-{n:02d}")
    await harness.command("list team-registry", "UAPP1")
    listing = harness.text_of(harness.responses()[-1])
    assert listing.count("bulk-") == 40
    assert "Showing the first 40; …and 5 more." in listing
