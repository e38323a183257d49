"""Redis killed (SIGKILL, as a crash) and restarted at each step of the request flow.

The server runs with ``appendonly yes`` and ``appendfsync always``. What must hold at every
step: no token is created twice; nothing a person was told about (a stored request, a
decision, a delivered password) is missing afterwards; while Redis is away people are told so
in words; and the bot recovers on its own — the next click works, no restart.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.devtools.redis_server import RedisServer
from bot.domain.clock import FakeClock
from bot.domain.models import RequestState
from handlers.ids import ActionId, BlockId
from tests.reliability.flow import (
    REDIS_DOWN_WORDS,
    approved,
    audit_actions,
    chain_ok,
    creates,
    last_reply,
    password_messages,
    state,
    submitted,
    tokens,
    wait_for_state,
)
from tests.scenario.harness import Harness

pytestmark = pytest.mark.reliability

FULL_FLOW = ["requested", "approved", "claimed", "created", "delivered"]


async def _collected_once(harness: Harness, request_id: str) -> None:
    """The end every step must reach: one token, its password in one message, a whole trail."""
    (token,) = tokens(harness)
    assert len(password_messages(harness, token.password)) == 1
    assert await state(harness, request_id) is RequestState.COLLECTED
    assert await chain_ok(harness)


async def test_down_at_submit_is_answered_in_the_modal_and_the_resubmit_works(
    rig: Harness, own_redis: RedisServer
) -> None:
    view = await rig.open_request_modal("UDEV", "team-registry")
    own_redis.kill()
    reply = await rig.submit_request("UDEV", view=view, scopes=[("team/app", ["pull"])])
    assert reply.json["response_action"] == "errors"
    assert REDIS_DOWN_WORDS in reply.json["errors"][BlockId.REASON]
    assert rig.approval_posts() == []

    own_redis.start()
    reply = await rig.submit_request("UDEV", view=view, scopes=[("team/app", ["pull"])])
    assert reply.status == 200 and not reply.text
    request_id = await rig.request_id_posted()
    await rig.click(ActionId.APPROVE, "UAPP1", request_id)
    await rig.collect("UDEV", request_id)
    await _collected_once(rig, request_id)
    assert await audit_actions(rig, request_id) == FULL_FLOW


async def test_a_restart_after_submit_keeps_the_request(
    rig: Harness, own_redis: RedisServer
) -> None:
    request_id = await submitted(rig)  # the requester was told: pending
    own_redis.kill()
    own_redis.start()
    assert await state(rig, request_id) is RequestState.PENDING
    assert await audit_actions(rig, request_id) == ["requested"]
    await rig.click(ActionId.APPROVE, "UAPP1", request_id)  # no bot restart in between
    await rig.collect("UDEV", request_id)
    await _collected_once(rig, request_id)


async def test_down_at_approve_is_answered_and_the_next_click_works(
    rig: Harness, own_redis: RedisServer
) -> None:
    request_id = await submitted(rig)
    own_redis.kill()
    reply = await rig.click(ActionId.APPROVE, "UAPP1", request_id)
    assert reply.status == 200
    assert REDIS_DOWN_WORDS in last_reply(rig)
    own_redis.start()
    assert await state(rig, request_id) is RequestState.PENDING
    await rig.click(ActionId.APPROVE, "UAPP1", request_id)
    assert "Approved" in last_reply(rig)
    await rig.collect("UDEV", request_id)
    await _collected_once(rig, request_id)
    assert await audit_actions(rig, request_id) == FULL_FLOW


async def test_a_restart_after_approve_keeps_the_decision(
    rig: Harness, own_redis: RedisServer
) -> None:
    request_id = await approved(rig)  # approver and requester were both told
    own_redis.kill()
    await rig.collect("UDEV", request_id)
    assert REDIS_DOWN_WORDS in last_reply(rig)
    assert creates(rig) == []  # nothing is created while the claim cannot be made
    own_redis.start()
    assert await state(rig, request_id) is RequestState.APPROVED
    assert await audit_actions(rig, request_id) == ["requested", "approved"]
    await rig.collect("UDEV", request_id)
    await _collected_once(rig, request_id)
    assert await audit_actions(rig, request_id) == FULL_FLOW


async def test_a_restart_between_claim_and_create_loses_nothing(
    rig: Harness, own_redis: RedisServer
) -> None:
    request_id = await approved(rig)
    rig.ionos.knobs.latency = 1.0  # the create is on its way while Redis dies and comes back
    click = asyncio.create_task(rig.collect("UDEV", request_id))
    await wait_for_state(rig, request_id, RequestState.COLLECTING)
    own_redis.kill()
    own_redis.start()
    await click
    assert len(creates(rig)) == 1
    await _collected_once(rig, request_id)
    assert await audit_actions(rig, request_id) == FULL_FLOW


async def _password_shown_while_redis_is_away(rig: Harness, own_redis: RedisServer) -> str:
    """Redis dies after the claim and stays away until the password has been shown."""
    request_id = await approved(rig)
    rig.ionos.knobs.latency = 1.0
    click = asyncio.create_task(rig.collect("UDEV", request_id))
    await wait_for_state(rig, request_id, RequestState.COLLECTING)
    own_redis.kill()
    await click
    rig.ionos.knobs.latency = 0.0
    assert len(rig.ephemerals_to("UDEV")) == 1  # the password was shown, with Redis away
    own_redis.start()
    return request_id


async def test_redis_away_from_create_to_complete_makes_no_second_token(
    rig: Harness, own_redis: RedisServer, clock: FakeClock
) -> None:
    request_id = await _password_shown_while_redis_is_away(rig, own_redis)
    await rig.collect("UDEV", request_id)  # at once: still collecting, or recorded by now
    assert any(w in last_reply(rig) for w in ("being created right now", "collected"))
    # the delivery is recorded once Redis is back, before the claim could look abandoned
    await wait_for_state(rig, request_id, RequestState.COLLECTED, limit=5)
    clock.advance(timedelta(minutes=16))
    await rig.collect("UDEV", request_id)
    assert "collected" in last_reply(rig)
    assert len(tokens(rig)) == 1  # IONOS refuses a second token of the same name
    assert len(rig.ephemerals_to("UDEV")) == 1
    assert await chain_ok(rig)


async def test_redis_away_from_create_to_complete_still_records_the_delivery(
    rig: Harness, own_redis: RedisServer
) -> None:
    request_id = await _password_shown_while_redis_is_away(rig, own_redis)
    assert "nothing was changed" not in last_reply(rig)
    await wait_for_state(rig, request_id, RequestState.COLLECTED, limit=5)
    assert await audit_actions(rig, request_id) == FULL_FLOW


async def test_a_restart_after_complete_keeps_the_trail(
    rig: Harness, own_redis: RedisServer
) -> None:
    request_id = await approved(rig)
    await rig.collect("UDEV", request_id)
    own_redis.kill()
    own_redis.start()
    await _collected_once(rig, request_id)
    assert await audit_actions(rig, request_id) == FULL_FLOW
    await rig.collect("UDEV", request_id)  # the next click works: "already collected"
    assert "collected" in last_reply(rig)
    assert len(creates(rig)) == 1
