"""The send-once ledger: claim, mark sent, release; a dead sender's claim runs out."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from bot.store.keys import Keys
from bot.store.reminders import SendOnceLedger

pytestmark = pytest.mark.reliability

EXPIRY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_one_claimant_of_many(redis: aioredis.Redis, keys: Keys) -> None:
    ledger = SendOnceLedger(redis, keys)
    item = ledger.reminder("tok-1", "3d", EXPIRY)
    claims = await asyncio.gather(*(ledger.claim(item, f"replica-{i}") for i in range(20)))
    assert claims.count(True) == 1


async def test_sent_is_never_claimed_again(redis: aioredis.Redis, keys: Keys) -> None:
    ledger = SendOnceLedger(redis, keys)
    item = ledger.reminder("tok-1", "3d", EXPIRY)
    assert await ledger.claim(item, "a")
    await ledger.mark_sent(item, timedelta(days=4))
    assert await ledger.sent(item)
    assert not await ledger.claim(item, "b")
    assert not await ledger.release(item, "a")  # a late release cannot undo "sent"
    assert await ledger.sent(item)
    assert await redis.ttl(item) > 3 * 86400


async def test_release_only_by_the_claimant(redis: aioredis.Redis, keys: Keys) -> None:
    ledger = SendOnceLedger(redis, keys)
    item = ledger.digest("CAPPROVALS", date(2026, 11, 26))
    assert await ledger.claim(item, "a")
    assert not await ledger.release(item, "b")
    assert await ledger.state(item) == "sending:a"
    assert await ledger.release(item, "a")
    assert await ledger.claim(item, "b")  # due again


async def test_a_dead_senders_claim_runs_out(redis: aioredis.Redis, keys: Keys) -> None:
    ledger = SendOnceLedger(redis, keys, claim_ttl=timedelta(milliseconds=50))
    item = ledger.reminder("tok-1", "1h", EXPIRY)
    assert await ledger.claim(item, "dead")
    assert not await ledger.claim(item, "alive")
    async with asyncio.timeout(5):  # Redis expires it on its own clock
        while await redis.exists(item):
            await asyncio.sleep(0.01)
    assert await ledger.claim(item, "alive")


async def test_items_differ_by_threshold_expiry_and_day(redis: aioredis.Redis, keys: Keys) -> None:
    ledger = SendOnceLedger(redis, keys)
    items = {
        ledger.reminder("tok-1", "3d", EXPIRY),
        ledger.reminder("tok-1", "1d", EXPIRY),
        ledger.reminder("tok-1", "3d", EXPIRY + timedelta(days=1)),
        ledger.digest("CAPPROVALS", date(2026, 11, 26)),
        ledger.digest("CAPPROVALS", date(2026, 11, 27)),
    }
    assert len(items) == 5
    assert all(i.startswith("{" + keys.namespace + "}:") for i in items)


async def test_a_retried_claim_is_still_the_claimants(redis: aioredis.Redis, keys: Keys) -> None:
    """redis-py resends a command whose reply timed out: the claimant's own retry is a yes."""
    ledger = SendOnceLedger(redis, keys)
    item = ledger.reminder("tok-1", "1d", EXPIRY)
    assert await ledger.claim(item, "a")
    assert await ledger.claim(item, "a")
    assert not await ledger.claim(item, "b")
