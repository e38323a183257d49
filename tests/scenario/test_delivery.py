"""Collecting the password: created on the click, shown once, stored nowhere, rolled back
when it cannot be shown; IONOS failures leave the request collectable."""

from __future__ import annotations

import logging

import pytest

from bot.devtools.ionos_knobs import FailRule
from bot.domain.models import RequestState
from bot.store.audit import AuditLog
from bot.store.requests import RequestStore
from handlers.ids import ActionId
from tests.scenario.harness import Harness


async def _approved(harness: Harness) -> str:
    await harness.submit_request("UDEV", name="ci-push")
    request_id = await harness.request_id_posted()
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    return request_id


async def _state(harness: Harness, request_id: str) -> RequestState:
    request = await RequestStore(harness.redis, harness.keys).get(request_id)
    assert request is not None
    return request.state


async def _everything_in_redis(harness: Harness) -> str:
    """Every key and value of every type, streams included, as one text."""
    seen: list[str] = []
    async for key in harness.redis.scan_iter(match="*", count=500):
        seen.append(key)
        kind = await harness.redis.type(key)
        if kind == "string":
            seen.append(str(await harness.redis.get(key)))
        elif kind == "hash":
            seen.append(str(await harness.redis.hgetall(key)))
        elif kind == "set":
            seen.append(str(await harness.redis.smembers(key)))
        elif kind == "zset":
            seen.append(str(await harness.redis.zrange(key, 0, -1, withscores=True)))
        elif kind == "list":
            seen.append(str(await harness.redis.lrange(key, 0, -1)))
        elif kind == "stream":
            seen.append(str(await harness.redis.xrange(key)))
    return "\n".join(seen)


async def test_the_password_goes_to_one_ephemeral_message_and_nowhere_else(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "slack_bolt", "slack_sdk", "aiohttp", "bot", "handlers"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    request_id = await _approved(harness)
    await harness.collect("UDEV", request_id)

    (token,) = harness.ionos.tokens(harness.registries["team-registry"].id)
    password = token.password
    assert len(password) >= 16
    carrying = [c for c in harness.slack.calls if password in harness.text_of(c)]
    assert [(c.method, c.payload["channel"], c.payload["user"]) for c in carrying] == [
        ("chat.postEphemeral", "DUDEV", "UDEV")
    ]
    assert password not in await _everything_in_redis(harness)
    assert password not in caplog.text
    for record in caplog.records:
        assert password not in record.getMessage()
    assert await _state(harness, request_id) is RequestState.COLLECTED
    # the DM button is replaced: the password cannot be asked for twice
    update = harness.calls("chat.update")[-1]
    assert update.payload["channel"] == "DUDEV"
    assert ActionId.COLLECT not in harness.text_of(update)


async def test_a_second_click_creates_no_second_token(harness: Harness) -> None:
    request_id = await _approved(harness)
    await harness.collect("UDEV", request_id)
    await harness.collect("UDEV", request_id)
    assert len(harness.ionos.tokens(harness.registries["team-registry"].id)) == 1
    assert len(harness.ephemerals_to("UDEV")) == 1
    assert "collected" in harness.text_of(harness.responses()[-1])


async def test_only_the_requester_can_collect(harness: Harness) -> None:
    request_id = await _approved(harness)
    await harness.click(ActionId.COLLECT, "UAPP1", request_id, channel="DUAPP1")
    assert "Only the person who asked" in harness.text_of(harness.responses()[-1])
    assert harness.ionos.tokens(harness.registries["team-registry"].id) == []
    assert await _state(harness, request_id) is RequestState.APPROVED


async def test_ionos_down_at_collection_keeps_the_request_collectable(harness: Harness) -> None:
    request_id = await _approved(harness)
    harness.ionos.knobs.fail_next.append(FailRule("POST", r"/tokens$", 503))
    await harness.collect("UDEV", request_id)
    assert "IONOS refused" in harness.text_of(harness.responses()[-1])
    posts = [r for r in harness.ionos.requests if r.method == "POST"]
    assert len(posts) == 1  # a create is never retried automatically
    assert await _state(harness, request_id) is RequestState.APPROVED
    assert harness.ephemerals_to("UDEV") == []

    await harness.collect("UDEV", request_id)
    assert len(harness.ionos.tokens(harness.registries["team-registry"].id)) == 1
    assert len(harness.ephemerals_to("UDEV")) == 1
    actions = [
        str(e.action)
        for e in reversed(await AuditLog(harness.redis, harness.keys).latest(50))
        if e.request_id == request_id
    ]
    assert actions == [
        "requested",
        "approved",
        "claimed",
        "creation_failed",
        "claimed",
        "created",
        "delivered",
    ]


async def test_a_lost_create_response_leaves_no_orphan(harness: Harness) -> None:
    request_id = await _approved(harness)
    harness.ionos.knobs.fail_next.append(FailRule("POST", r"/tokens$", 201, drop_response=True))
    await harness.collect("UDEV", request_id)
    assert "did not answer" in harness.text_of(harness.responses()[-1])
    assert harness.ionos.tokens(harness.registries["team-registry"].id) == []  # orphan removed
    assert await _state(harness, request_id) is RequestState.APPROVED

    await harness.collect("UDEV", request_id)
    assert len(harness.ionos.tokens(harness.registries["team-registry"].id)) == 1
    assert len(harness.ephemerals_to("UDEV")) == 1


async def test_an_undeliverable_password_deletes_the_token_again(harness: Harness) -> None:
    request_id = await _approved(harness)
    harness.slack.fail("chat.postEphemeral", error="user_not_in_channel")
    await harness.collect("UDEV", request_id)
    assert "deleted" in harness.text_of(harness.responses()[-1])
    assert harness.ionos.tokens(harness.registries["team-registry"].id) == []
    deletes = [r for r in harness.ionos.requests if r.method == "DELETE"]
    assert len(deletes) == 1
    assert await _state(harness, request_id) is RequestState.APPROVED
    actions = [str(e.action) for e in await AuditLog(harness.redis, harness.keys).latest(3)]
    assert actions[0] == "rolled_back"

    await harness.collect("UDEV", request_id)
    assert len(harness.ionos.tokens(harness.registries["team-registry"].id)) == 1
    assert await _state(harness, request_id) is RequestState.COLLECTED
