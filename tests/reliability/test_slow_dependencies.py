"""Redis or the IONOS API answering 2 s late (a `TcpProxy` in between): every Slack request is
still acknowledged within Slack's 3 seconds.

The ack is measured as the HTTP response time of the signed request — the product's promise,
not a micro-benchmark: 2 s injected against a 3 s bound. All kinds of request are sent at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack
from bot.devtools.slack_driver import SlackReply, checkboxes, date_value, select_value, text_value
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.approval import ReviewMeta
from handlers.views.request_modal import RequestModalMeta
from tests.reliability.flow import approved, fresh_view, submitted
from tests.reliability.proxy import TcpProxy
from tests.reliability.rig import running_bot
from tests.scenario.harness import Harness

pytestmark = pytest.mark.reliability

ACK_BUDGET = 3.0
DELAY = 2.0


async def _timed(send: Awaitable[SlackReply]) -> tuple[float, SlackReply]:
    started = time.perf_counter()
    reply = await send
    return time.perf_counter() - started, reply


def _request_values(harness: Harness) -> dict[str, dict[str, dict[str, object]]]:
    return {
        BlockId.REGISTRY: {ActionId.REGISTRY: select_value(harness.registries["team-registry"].id)},
        BlockId.TOKEN_NAME: {ActionId.INPUT: text_value("slow-path")},
        BlockId.EXPIRY: {
            ActionId.INPUT: date_value((harness.today() + timedelta(days=5)).isoformat())
        },
        BlockId.REASON: {ActionId.INPUT: text_value("testing a slow dependency")},
        BlockId.scope_repo(0): {ActionId.INPUT: text_value("team/app")},
        BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])},
    }


async def _every_kind_at_once(
    harness: Harness, slow: Callable[[], None], modal: str
) -> dict[str, tuple[float, SlackReply]]:
    """Prepare a pending and an approved request, slow the dependency down, then send one
    request of every kind at once; their ack times by name."""
    await harness.command("request team-registry", "UDEV")  # warms the registry cache
    pending = await submitted(harness, name="pending-one")
    ready = await approved(harness, name="ready-one")
    driver = harness.driver
    review = {
        BlockId.DECISION: {ActionId.INPUT: select_value("deny")},
        BlockId.COMMENT: {ActionId.INPUT: text_value("not now")},
    }
    slow()
    sends = {
        "command help": driver.command("help", user_id="UDEV"),
        "command list": driver.command("list team-registry", user_id="UAPP1"),
        "command request": driver.command("request team-registry", user_id="UDEV"),
        "options": driver.options(ActionId.REGISTRY, user_id="UDEV", value="team"),
        "approve click": driver.block_action(
            ActionId.APPROVE, user_id="UAPP1", value=pending, channel_id="CAPPROVALS"
        ),
        "review click": driver.block_action(
            ActionId.REVIEW, user_id="UAPP2", value=pending, channel_id="CAPPROVALS"
        ),
        "collect click": driver.block_action(
            ActionId.COLLECT, user_id="UDEV", value=ready, channel_id="DUDEV"
        ),
        "request modal submit": driver.view_submission(
            Callback.REQUEST_MODAL,
            user_id="UDEV",
            values=_request_values(harness),
            private_metadata=modal,
        ),
        "review modal submit": driver.view_submission(
            Callback.REVIEW_MODAL,
            user_id="UAPP2",
            values=review,
            private_metadata=ReviewMeta(request_id=pending).model_dump_json(),
        ),
    }
    names = list(sends)
    results = await asyncio.gather(*(_timed(s) for s in sends.values()))
    await harness.settle()  # the work after the acks, failing or not, ends before teardown
    timings = dict(zip(names, results, strict=True))
    print({name: f"{elapsed:.2f}s/{reply.status}" for name, (elapsed, reply) in timings.items()})
    return timings


def _late(timings: dict[str, tuple[float, SlackReply]]) -> dict[str, float]:
    return {
        name: round(elapsed, 2)
        for name, (elapsed, reply) in timings.items()
        if elapsed >= ACK_BUDGET or reply.status >= 500
    }


@pytest.fixture
async def redis_proxy(own_redis: RedisServer) -> AsyncIterator[TcpProxy]:
    async with TcpProxy("127.0.0.1", own_redis.port) as proxy:
        yield proxy


async def test_redis_two_seconds_late_every_request_is_acked_in_time(
    fake_slack: FakeSlack, own_redis: RedisServer, redis_proxy: TcpProxy
) -> None:
    bot_url = f"redis://127.0.0.1:{redis_proxy.port}/0"
    async with running_bot(fake_slack, redis_url=own_redis.url, bot_redis_url=bot_url) as (
        harness,
        _,
    ):

        def slow() -> None:
            redis_proxy.delay = DELAY

        modal = fresh_view()["private_metadata"]
        timings = await _every_kind_at_once(harness, slow, modal)
        assert _late(timings) == {}
        # the modals that need Redis before their ack say so in the modal
        for name in ("request modal submit", "review modal submit"):
            reply = timings[name][1]
            assert reply.json["response_action"] == "errors", (name, reply.text)
            assert "try again" in str(reply.json["errors"]).lower()

        redis_proxy.delay = 0.0  # Redis is back: the same modal, submitted again, goes through
        reply = await harness.driver.view_submission(
            Callback.REQUEST_MODAL,
            user_id="UDEV",
            values=_request_values(harness),
            private_metadata=modal,
        )
        await harness.settle()
        assert reply.status == 200 and not reply.text
        announced = [p for p in harness.approval_posts() if "slow-path" in harness.text_of(p)]
        assert len(announced) == 1


async def test_a_request_stored_by_a_late_submission_is_announced_on_resubmit(
    fake_slack: FakeSlack, own_redis: RedisServer, redis_proxy: TcpProxy
) -> None:
    """Redis runs the script but its answer comes after the bot gave up: the modal said
    "try again"; the second submission of the same modal must announce that request."""
    bot_url = f"redis://127.0.0.1:{redis_proxy.port}/0"
    async with running_bot(fake_slack, redis_url=own_redis.url, bot_redis_url=bot_url) as (
        harness,
        _,
    ):
        await submitted(harness, name="warm-up")  # the bot now has open Redis connections
        modal = fresh_view()["private_metadata"]
        submit = {
            "user_id": "UDEV",
            "values": _request_values(harness),
            "private_metadata": modal,
        }
        redis_proxy.delay = 1.5  # beyond the bot's 1 s socket timeout
        elapsed, reply = await _timed(
            harness.driver.view_submission(Callback.REQUEST_MODAL, **submit)
        )
        await harness.settle()
        assert elapsed < ACK_BUDGET
        assert reply.json["response_action"] == "errors"
        nonce = RequestModalMeta.model_validate_json(modal).nonce
        assert await harness.redis.get(harness.keys.submission(nonce)) is not None  # stored
        redis_proxy.delay = 0.0
        reply = await harness.driver.view_submission(Callback.REQUEST_MODAL, **submit)
        await harness.settle()
        assert reply.status == 200 and not reply.text
        announced = [p for p in harness.approval_posts() if "slow-path" in harness.text_of(p)]
        assert len(announced) == 1


async def test_ionos_two_seconds_late_every_request_is_acked_in_time(
    fake_slack: FakeSlack, own_redis: RedisServer
) -> None:
    async with running_bot(fake_slack, redis_url=own_redis.url, ionos_proxy=True) as (
        harness,
        proxy,
    ):
        assert proxy is not None

        def slow() -> None:
            proxy.delay = DELAY

        timings = await _every_kind_at_once(harness, slow, fresh_view()["private_metadata"])
        assert _late(timings) == {}
        # the slow work still happened after the acks
        assert len(harness.ephemerals_to("UDEV")) == 1  # the password, created 2 s late
