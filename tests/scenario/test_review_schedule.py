"""Scheduled access reviews (``reviews: {every_days, due_days}``) and a registry of 300 tokens:
a campaign opens once however many replicas run housekeeping at once, closes at its due date,
the next opens ``every_days`` after the last; paging keeps every view within Block Kit's limits
(each view and message is validated after the scenario: `check_everything_sent`)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from bot.domain.clock import FakeClock
from bot.policy.model import Policy
from handlers.ids import ActionId
from tests.scenario.harness import APPROVAL_CHANNEL, PROD_APPROVAL_CHANNEL, Harness
from tests.scenario.review_steps import (
    campaign_posts,
    click_in_review,
    decide,
    open_review,
    review_policy,
    seed,
    store,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def policy() -> Policy:
    return review_policy(reviews={"every_days": 90, "due_days": 14})


async def _housekeeping_at_once(harness: Harness, replicas: int) -> int:
    service = harness.bot.services.reviews.housekeeping
    now = harness.bot.services.clock.now()
    reports = await asyncio.gather(*(service.housekeeping(now) for _ in range(replicas)))
    await harness.settle()
    assert all(r.failures == 0 for r in reports)
    return sum(r.started for r in reports)


async def test_a_scheduled_campaign_opens_once_then_again_after_every_days(
    harness: Harness, clock: FakeClock
) -> None:
    tokens = [await seed(harness, f"ci-{i}", owner="UDEV") for i in range(3)]
    harness.ionos.knobs.latency = 0.02  # every replica walks the tokens before it tries

    assert await _housekeeping_at_once(harness, 4) == 1
    [post] = campaign_posts(harness, APPROVAL_CHANNEL)
    assert "the review schedule" in harness.text_of(post)
    assert campaign_posts(harness, PROD_APPROVAL_CHANNEL) == []  # no reviews in its policy
    first = await store(harness).campaigns_of("team-registry")
    assert len(first) == 1
    snapshots = [
        k async for k in harness.redis.scan_iter(f"{{{harness.keys.namespace}}}:review:*:items")
    ]
    assert len(snapshots) == 1  # the losers dropped theirs

    view = await open_review(harness, "UAPP1", first[0], APPROVAL_CHANNEL)
    assert "*Last reviewed*\\nnever" in json.dumps(view)
    reviewed_at = clock.now()
    await decide(harness, "UAPP1", view, ActionId.REVIEW_KEEP, tokens[0].id)

    clock.advance(timedelta(days=14, minutes=1))
    assert await _housekeeping_at_once(harness, 2) == 0
    closed = await store(harness).get(first[0])
    assert closed is not None and not closed.open and closed.not_reviewed == 2

    clock.advance(timedelta(days=76))  # 90 days after the first started
    assert await _housekeeping_at_once(harness, 3) == 1
    assert len(await store(harness).campaigns_of("team-registry")) == 2
    assert len(campaign_posts(harness, APPROVAL_CHANNEL)) == 2
    second = (await store(harness).campaigns_of("team-registry"))[-1]
    [again] = await store(harness).items(second, 0, 1)  # ci-0, reviewed in the first
    assert again.last_reviewed == reviewed_at


async def test_three_hundred_tokens_page_within_block_kit_limits(
    harness: Harness, clock: FakeClock
) -> None:
    for i in range(300):
        await seed(harness, f"token-{i:03d}", owner="UDEV" if i % 3 == 0 else None)
    await harness.command("review team-registry", "UAPP1")
    [post] = campaign_posts(harness, APPROVAL_CHANNEL)
    campaign_id = harness.button_value(post, ActionId.REVIEW_TOKENS)
    assert "0 of 300 decided" in harness.text_of(post)

    view = await open_review(harness, "UAPP2", campaign_id, APPROVAL_CHANNEL)
    assert "page 1 of 30" in json.dumps(view) and len(view["blocks"]) <= 100
    view = await click_in_review(harness, "UAPP2", view, ActionId.REVIEW_NEXT, f"{campaign_id}:1")
    assert "page 2 of 30" in json.dumps(view) and "token-010" in json.dumps(view)
    view = await click_in_review(harness, "UAPP2", view, ActionId.REVIEW_NEXT, f"{campaign_id}:29")
    assert "page 30 of 30" in json.dumps(view) and "token-299" in json.dumps(view)
    assert ActionId.REVIEW_NEXT not in json.dumps(view)
    assert len(json.dumps(view).encode()) < 250_000

    clock.advance(timedelta(days=14, minutes=1))
    await harness.bot.services.reviews.housekeeping.housekeeping(clock.now())
    clock.set(clock.now().replace(hour=9))
    await harness.bot.reminders.sweep(clock.now())
    await harness.settle()
    [digest] = [c for c in harness.approval_posts() if "digest" in c.payload.get("text", "")]
    assert len(digest.payload["blocks"]) <= 50
    assert "300 not reviewed" in digest.payload["text"]
    assert "…and 290 more" in harness.text_of(digest)
