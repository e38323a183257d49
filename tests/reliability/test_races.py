"""Two approvers clicking at once on many requests — approve, deny, approve again — over HTTP
and straight against the store: one final state per request, one audit entry per attempt
(one transition, the rest refusals), and no token created twice when the requester then
double-clicks "collect" on every approved one."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from bot.devtools.redis_server import RedisServer
from bot.devtools.slack_driver import SlackReply, checkboxes, date_value, select_value, text_value
from bot.domain.audit import AuditAction
from bot.domain.models import RequestState, TokenRequest
from bot.runtime.clients import redis_from
from bot.runtime.redis_settings import RedisSettings
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.requests import RequestStore
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.approval import ReviewMeta
from tests.reliability.flow import REDIS_DOWN_WORDS, fresh_view
from tests.scenario.harness import APPROVAL_CHANNEL, Harness
from tests.store.conftest import make_request, op

pytestmark = pytest.mark.reliability

# The issue asks for 1,000 requests: over HTTP that would take ~70 s on 2 cores (100 take
# ~7 s), so the HTTP variant runs 100 (x 4 clicks at once), the store variant the full 1,000.
HTTP_REQUESTS = 1_000
STORE_REQUESTS = 1_000
POOL_SIZE = 64  # bot.runtime.clients.redis_from's max_connections
T = TypeVar("T")
FINAL = {"approved": RequestState.APPROVED, "denied": RequestState.DENIED}


def _request_values(harness: Harness, name: str) -> dict[str, Any]:
    expiry = (datetime.now(UTC).date() + timedelta(days=5)).isoformat()
    return {
        BlockId.REGISTRY: {ActionId.REGISTRY: select_value(harness.registries["team-registry"].id)},
        BlockId.TOKEN_NAME: {ActionId.INPUT: text_value(name)},
        BlockId.EXPIRY: {ActionId.INPUT: date_value(expiry)},
        BlockId.REASON: {ActionId.INPUT: text_value("race test")},
        BlockId.scope_repo(0): {ActionId.INPUT: text_value("team/app")},
        BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])},
    }


async def _submit_many(harness: Harness, count: int) -> list[str]:
    await harness.command("request team-registry", "UDEV")  # fills the registry cache
    replies = await asyncio.gather(
        *(
            harness.driver.view_submission(
                Callback.REQUEST_MODAL,
                user_id="UDEV",
                values=_request_values(harness, f"race-{i}"),
                private_metadata=fresh_view()["private_metadata"],
            )
            for i in range(count)
        )
    )
    await harness.settle()
    assert all(r.status == 200 and not r.text for r in replies), {r.text for r in replies}
    ids = [harness.button_value(p, ActionId.APPROVE) for p in harness.approval_posts()]
    assert len(set(ids)) == count
    return ids


def _clicks(harness: Harness, request_id: str) -> list[Any]:
    driver = harness.driver
    deny = {
        BlockId.DECISION: {ActionId.INPUT: select_value("deny")},
        BlockId.COMMENT: {ActionId.INPUT: text_value("two approvers disagree")},
    }
    return [
        driver.block_action(
            ActionId.APPROVE, user_id="UAPP1", value=request_id, channel_id=APPROVAL_CHANNEL
        ),
        driver.view_submission(
            Callback.REVIEW_MODAL,
            user_id="UAPP2",
            values=deny,
            private_metadata=ReviewMeta(request_id=request_id).model_dump_json(),
        ),
        driver.block_action(
            ActionId.APPROVE, user_id="UAPP2", value=request_id, channel_id=APPROVAL_CHANNEL
        ),
        driver.block_action(
            ActionId.APPROVE, user_id="UAPP1", value=request_id, channel_id=APPROVAL_CHANNEL
        ),
    ]


TRY_AGAIN_WORDS = (REDIS_DOWN_WORDS, "did not answer in time")


def _told_unreachable(harness: Harness, replies: list[SlackReply]) -> int:
    """Clicks answered "database is unreachable" or "did not answer in time, try again" (in
    the modal, by response_url, or by DM): nothing was changed for those, so they left no
    audit entry. Under a burst of thousands of clicks on one bot, a few can be."""
    in_modal = sum(any(w in r.text for w in TRY_AGAIN_WORDS) for r in replies)
    later = [
        c
        for c in harness.slack.calls
        if c.method in ("response_url", "chat.postMessage")
        and any(w in harness.text_of(c) for w in TRY_AGAIN_WORDS)
    ]
    return in_modal + len(later)


@pytest.mark.timeout(600)  # 4,000 clicks and ~1,900 collects: about a minute on 2 cores
async def test_two_approvers_on_many_requests_over_http(rig: Harness) -> None:
    ids = await _submit_many(rig, HTTP_REQUESTS)
    started = time.perf_counter()
    replies = await asyncio.gather(*(c for i in ids for c in _clicks(rig, i)))
    await rig.settle()
    elapsed = time.perf_counter() - started
    assert {r.status for r in replies} == {200}
    unreachable = _told_unreachable(rig, replies)
    store = RequestStore(rig.redis, rig.keys)
    audit = AuditLog(rig.redis, rig.keys)
    counts = Counter([str(e.action) async for e in audit.iter_entries()])
    decided = counts["approved"] + counts["denied"]
    # one audit entry per click that reached Redis: a transition or a refusal
    assert decided + counts["refused"] == 4 * HTTP_REQUESTS - unreachable, counts
    assert counts["requested"] == HTTP_REQUESTS

    # whoever was told to try again does so; then every request has exactly one final state
    for request_id in ids:
        if (await _stored(store, request_id)).state is RequestState.PENDING:
            await rig.click(ActionId.APPROVE, "UAPP1", request_id)
    finals: Counter[str] = Counter()
    for request_id, actions in (await _actions_by_request(audit, ids)).items():
        (final,) = [a for a in actions if a in FINAL]
        assert (await _stored(store, request_id)).state is FINAL[final]
        finals[final] += 1
    assert (await audit.verify()).ok

    # the requester double-clicks "collect" on every approved request, all at once
    winners = [i for i in ids if (await _stored(store, i)).state is RequestState.APPROVED]
    collects = [
        rig.driver.block_action(ActionId.COLLECT, user_id="UDEV", value=i, channel_id="DUDEV")
        for i in winners
        for _ in range(2)
    ]
    await asyncio.gather(*collects)
    await rig.settle()
    for request_id in winners:  # again, whoever was told to try again does
        if (await _stored(store, request_id)).state is RequestState.APPROVED:
            await rig.click(ActionId.COLLECT, "UDEV", request_id, channel="DUDEV")
    posts = [r for r in rig.ionos.requests if r.method == "POST"]
    names = [t.name for t in rig.ionos.tokens(rig.registries["team-registry"].id)]
    assert len(posts) == len(winners) == len(names) == len(set(names))
    assert len(rig.ephemerals_to("UDEV")) == len(winners)
    print(
        f"{HTTP_REQUESTS} requests x 4 clicks in {elapsed:.1f} s: {dict(finals)}; "
        f"{unreachable} clicks told 'database unreachable' (pool wait > 1 s); "
        f"{len(winners)} collected with 2 clicks each -> {len(posts)} creates"
    )


async def _stored(store: RequestStore, request_id: str) -> TokenRequest:
    request = await store.get(request_id)
    assert request is not None
    return request


async def _actions_by_request(audit: AuditLog, ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {i: [] for i in ids}
    async for entry in audit.iter_entries():
        found[entry.request_id].append(str(entry.action))
    return found


async def test_two_approvers_on_a_thousand_requests_in_the_store(own_redis: RedisServer) -> None:
    """The product's own pool (`bot.runtime.clients.redis_from`): 1,000 requests, then 4,000
    transitions launched at once. In flight at a time: the pool's size (64) — gathered unbounded,
    the pool's 1 s wait for a free connection runs out (see docs/reliability.md, finding R4)."""
    redis = redis_from(RedisSettings(redis_url=own_redis.url))
    keys = Keys(namespace="race-store")
    store = RequestStore(redis, keys)
    audit = AuditLog(redis, keys)
    at = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    try:
        gate = asyncio.Semaphore(POOL_SIZE)

        async def gated(call: Awaitable[T]) -> T:
            async with gate:
                return await call

        made = await asyncio.gather(
            *(
                gated(store.create(make_request(), nonce=op(), ttl=timedelta(days=3)))
                for _ in range(STORE_REQUESTS)
            )
        )
        ids = [request.id for request, created in made if created]
        assert len(ids) == STORE_REQUESTS

        def attempts(request_id: str) -> list[Any]:
            return [
                store.approve(request_id, actor="UAPP1", at=at, op_id=op()),
                store.deny(request_id, actor="UAPP2", at=at, comment="no", op_id=op()),
                store.approve(request_id, actor="UAPP2", at=at, op_id=op()),
                store.approve(request_id, actor="UAPP1", at=at, op_id=op()),
            ]

        started = time.perf_counter()
        shuffled = [a for i in ids for a in attempts(i)]
        random.Random(7).shuffle(shuffled)  # who comes first differs from request to request
        results = await asyncio.gather(*(gated(a) for a in shuffled))
        elapsed = time.perf_counter() - started
        applied = Counter(r.request.id for r in results if r.applied and r.request)
        assert set(applied.values()) == {1} and len(applied) == STORE_REQUESTS

        counts = Counter([str(e.action) async for e in audit.iter_entries()])
        decided = counts[AuditAction.APPROVED] + counts[AuditAction.DENIED]
        assert decided == STORE_REQUESTS
        assert counts[AuditAction.REFUSED] == 3 * STORE_REQUESTS
        assert counts[AuditAction.REQUESTED] == STORE_REQUESTS
        assert (await audit.verify()).ok
        print(f"{4 * STORE_REQUESTS} transitions at once in {elapsed:.2f} s: {dict(counts)}")
    finally:
        await redis.aclose()
        await redis.connection_pool.disconnect()
