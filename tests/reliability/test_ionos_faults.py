"""IONOS failing under the bot: lost create answers, 429 storms with Retry-After, 5xx.

What must hold: a token create (POST) is never sent twice by the client, so a lost answer or a
5xx never makes a second token; at most one live token per request at any moment; the
requester can collect again; an orphan is removed or reported. Reads, PATCH and DELETE are
retried, never earlier than the server's Retry-After and never beyond the retry bounds.
Server-side times come from an exchange hook on the stand-in (an ordering/interval check on
recorded timestamps, not a micro-benchmark).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from bot.devtools.ionos_knobs import FailRule
from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack
from bot.domain.models import RequestState
from bot.ionos.retry import RetryPolicy
from bot.store.audit import AuditEntry, AuditLog
from handlers.ids import ActionId
from tests.reliability.flow import (
    approved,
    audit_actions,
    creates,
    last_reply,
    password_messages,
    state,
    tokens,
)
from tests.reliability.rig import running_bot
from tests.scenario.harness import Harness

pytestmark = pytest.mark.reliability

ATTEMPTS = RetryPolicy().attempts  # the client's bound: every try, the first included


@dataclass(frozen=True)
class Seen:
    at: float  # time.monotonic() when the stand-in answered
    method: str
    path: str
    status: int
    retry_after: float | None


@pytest.fixture
async def ionos_rig(
    fake_slack: FakeSlack, own_redis: RedisServer
) -> AsyncIterator[tuple[Harness, list[Seen], list[int]]]:
    """The bot, plus the stand-in's answers with times, and the number of live tokens seen
    after each answer."""
    async with running_bot(fake_slack, redis_url=own_redis.url) as (harness, _):
        seen: list[Seen] = []
        live: list[int] = []
        registry_id = harness.registries["team-registry"].id

        def hook(request: web.Request, _: bytes, response: web.StreamResponse, __: bytes) -> None:
            header = response.headers.get("Retry-After")
            seen.append(
                Seen(
                    time.monotonic(),
                    request.method,
                    request.path,
                    response.status,
                    float(header) if header else None,
                )
            )
            live.append(len(harness.ionos.tokens(registry_id)))

        harness.ionos.add_exchange_hook(hook)
        yield harness, seen, live


# -- the create answer is lost ------------------------------------------------------------


async def test_lost_create_answers_on_repeated_clicks_leave_at_most_one_token(
    ionos_rig: tuple[Harness, list[Seen], list[int]],
) -> None:
    harness, _, live = ionos_rig
    request_id = await approved(harness)
    drop = FailRule("POST", r"/tokens$", 201, times=3, drop_response=True)
    harness.ionos.knobs.fail_next.append(drop)

    clicks = [
        harness.driver.block_action(
            ActionId.COLLECT, user_id="UDEV", value=request_id, channel_id="DUDEV"
        )
        for _ in range(5)
    ]
    replies = await asyncio.gather(*clicks)  # a frantic double (quintuple) click
    await harness.settle()
    assert {r.status for r in replies} == {200}
    assert len(creates(harness)) == 1  # one claim won; the others were told it is in progress
    assert tokens(harness) == []  # the orphan of the lost answer was deleted
    for _ in range(2):  # two more lost answers, one click each
        await harness.collect("UDEV", request_id)
        assert "did not answer" in last_reply(harness)
        assert tokens(harness) == []
        assert await state(harness, request_id) is RequestState.APPROVED

    await harness.collect("UDEV", request_id)  # IONOS answers now: collected
    (token,) = tokens(harness)
    assert len(password_messages(harness, token.password)) == 1
    assert len(creates(harness)) == 4
    assert max(live) <= 1
    actions = await audit_actions(harness, request_id)
    assert actions.count("creation_failed") == 3
    assert actions[-2:] == ["created", "delivered"]


async def test_an_orphan_that_cannot_be_removed_is_reported(
    ionos_rig: tuple[Harness, list[Seen], list[int]],
) -> None:
    harness, _, live = ionos_rig
    request_id = await approved(harness)
    harness.ionos.knobs.fail_next += [
        FailRule("POST", r"/tokens$", 201, drop_response=True),
        FailRule("GET", r"/tokens$", 503, times=ATTEMPTS),  # the orphan search fails
    ]
    await harness.collect("UDEV", request_id)
    assert "did not answer" in last_reply(harness)
    assert len(tokens(harness)) == 1  # the orphan is still there ...
    entries = [e for e in await _entries(harness, request_id) if e.action == "creation_failed"]
    assert "orphan check failed" in entries[-1].detail  # ... and the audit trail says so
    assert await state(harness, request_id) is RequestState.APPROVED
    assert max(live) <= 1


async def test_after_a_failed_orphan_check_the_requester_can_collect_again(
    ionos_rig: tuple[Harness, list[Seen], list[int]],
) -> None:
    harness, _, live = ionos_rig
    request_id = await approved(harness)
    harness.ionos.knobs.fail_next += [
        FailRule("POST", r"/tokens$", 201, drop_response=True),
        FailRule("GET", r"/tokens$", 503, times=ATTEMPTS),
    ]
    await harness.collect("UDEV", request_id)
    await harness.collect("UDEV", request_id)  # IONOS is fine again
    (token,) = tokens(harness)
    assert len(password_messages(harness, token.password)) == 1
    assert await state(harness, request_id) is RequestState.COLLECTED
    assert max(live) <= 1


async def _entries(harness: Harness, request_id: str) -> list[AuditEntry]:
    entries = await AuditLog(harness.redis, harness.keys).latest(100, request_id=request_id)
    return list(reversed(entries))


# -- 5xx and 429 on create: never retried -------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 504, 429])  # 503: tests/scenario/test_delivery.py
async def test_a_failed_create_is_never_retried_automatically(
    ionos_rig: tuple[Harness, list[Seen], list[int]], status: int
) -> None:
    harness, _, _ = ionos_rig
    request_id = await approved(harness)
    harness.ionos.knobs.fail_next.append(FailRule("POST", r"/tokens$", status, retry_after=1))
    await harness.collect("UDEV", request_id)
    assert len(creates(harness)) == 1
    assert "IONOS" in last_reply(harness)  # told, in words naming the culprit
    assert await state(harness, request_id) is RequestState.APPROVED
    await harness.collect("UDEV", request_id)  # collectable again
    assert len(creates(harness)) == 2
    assert len(tokens(harness)) == 1


# -- 429 with Retry-After on reads and changes: retried, never early ----------------------


async def _owned_tokens(harness: Harness) -> tuple[str, str, str]:
    registry_id = harness.registries["team-registry"].id
    first = await harness.issue_token("UDEV", name="storm-one")
    second = await harness.issue_token("UDEV", name="storm-two")
    return registry_id, first, second


async def _run_op(harness: Harness, method: str, first: str, second: str) -> None:
    """GET: show `first`; PATCH: disable `first`; DELETE: confirm deleting `second`."""
    if method == "GET":
        await harness.command(f"show team-registry {first}", "UDEV")
    elif method == "PATCH":
        await harness.command(f"disable team-registry {first}", "UDEV")
    else:
        registry_id = harness.registries["team-registry"].id
        value = f"{registry_id}:{second}"
        await harness.click(ActionId.CONFIRM_DELETE, "UDEV", value, channel="DUDEV")


async def test_429_storm_no_retry_earlier_than_retry_after(
    ionos_rig: tuple[Harness, list[Seen], list[int]],
) -> None:
    harness, seen, _ = ionos_rig
    registry_id, first, second = await _owned_tokens(harness)
    seen.clear()
    harness.ionos.knobs.fail_next += [
        FailRule("GET", rf"/tokens/{first}$", 429, times=1, retry_after=2),
        FailRule("PATCH", rf"/tokens/{first}$", 429, times=2, retry_after=1),
        FailRule("DELETE", rf"/tokens/{second}$", 429, times=2, retry_after=1),
    ]
    for method in ("GET", "PATCH", "DELETE"):
        await _run_op(harness, method, first, second)

    gaps = []
    for method, path in {(s.method, s.path) for s in seen}:
        answers = [s for s in seen if (s.method, s.path) == (method, path)]
        for before, after in itertools.pairwise(answers):
            if before.status == 429:
                assert before.retry_after is not None
                waited = after.at - before.at
                gaps.append((method, before.retry_after, round(waited, 3)))
                assert waited >= before.retry_after, (method, path, waited)
    print("retry gaps (method, Retry-After, waited s):", sorted(gaps))
    assert sorted(m for m, _, _ in gaps) == ["DELETE", "DELETE", "GET", "PATCH", "PATCH"]
    assert harness.ionos.token(registry_id, first).status == "disabled"
    assert harness.ionos.token(registry_id, second) is None  # deleted after its 429s


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_retries_stop_at_the_bound_and_the_person_is_told(
    ionos_rig: tuple[Harness, list[Seen], list[int]], method: str
) -> None:
    harness, seen, _ = ionos_rig
    registry_id, first, second = await _owned_tokens(harness)
    target = second if method == "DELETE" else first
    seen.clear()
    harness.ionos.knobs.fail_next.append(FailRule(method, rf"/tokens/{target}$", 503, times=99))
    await _run_op(harness, method, first, second)
    tried = [s for s in seen if s.method == method and s.path.endswith(target)]
    assert [s.status for s in tried] == [503] * ATTEMPTS
    assert "IONOS" in last_reply(harness)
    assert harness.ionos.token(registry_id, target) is not None  # nothing changed
    if method == "PATCH":
        assert harness.ionos.token(registry_id, target).status == "enabled"


async def test_a_retry_after_beyond_the_deadline_fails_at_once(
    ionos_rig: tuple[Harness, list[Seen], list[int]],
) -> None:
    harness, seen, _ = ionos_rig
    _, first, _ = await _owned_tokens(harness)
    seen.clear()
    harness.ionos.knobs.fail_next.append(
        FailRule("GET", rf"/tokens/{first}$", 429, times=1, retry_after=3600)
    )
    started = time.monotonic()
    await harness.command(f"show team-registry {first}", "UDEV")
    assert time.monotonic() - started < RetryPolicy().deadline  # no hour-long wait
    assert [s.status for s in seen if s.path.endswith(first)] == [429]  # and no early retry
    assert "IONOS" in last_reply(harness)
