"""The audit stream: the hash chain, tamper detection, filters, paging, retried appends."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

from bot.domain.audit import AuditAction, Outcome
from bot.store.audit import GENESIS, AuditLog
from bot.store.keys import Keys
from tests.store.conftest import T0


async def fill(audit: AuditLog, n: int, **fields: str) -> list[str]:
    return [
        await audit.append(
            at=T0 + timedelta(seconds=i), actor="U_A", action=AuditAction.DISABLED, **fields
        )
        for i in range(n)
    ]


async def test_the_chain_follows_the_documented_format(
    audit: AuditLog, redis: aioredis.Redis, keys: Keys
) -> None:
    first_id = await audit.append(
        at=T0, actor="U_A", action=AuditAction.DELETED, token="tok-1", detail="a\nb\\c"
    )
    await audit.append(at=T0, actor="U_B", action="custom", outcome=Outcome.FAILED)
    newest, first = await audit.latest(2)
    assert first.id == first_id
    assert first.prev == GENESIS
    assert newest.prev == first.hash
    canonical = (
        "action=deleted\nactor=U_A\nat=2026-11-26T12:00:00.000000+00:00\ndetail=a\\nb\\\\c\nop=\n"
        f"outcome=ok\nprev={GENESIS}\nregistry=\nrequest_id=\ntoken=tok-1\n"
    )
    expected = hashlib.sha1(f"{GENESIS}\n{canonical}".encode(), usedforsecurity=False).hexdigest()
    assert first.hash == expected
    assert first.detail == "a\nb\\c"
    assert await redis.get(keys.audit_head()) == newest.hash
    assert (newest.action, newest.outcome) == ("custom", Outcome.FAILED)


async def test_an_intact_chain_verifies(audit: AuditLog) -> None:
    assert (await audit.verify()).model_dump() == {
        "ok": True,
        "checked": 0,
        "first_bad_id": None,
        "problem": None,
    }
    await fill(audit, 1200)
    check = await audit.verify()
    assert (check.ok, check.checked) == (True, 1200)


async def test_a_deleted_entry_in_the_middle_is_detected(
    audit: AuditLog, redis: aioredis.Redis, keys: Keys
) -> None:
    ids = await fill(audit, 10)
    await redis.xdel(keys.audit_stream(), ids[4])
    check = await audit.verify()
    assert not check.ok
    assert check.first_bad_id == ids[5]
    assert check.checked == 4
    assert "removed" in (check.problem or "")


async def test_a_deleted_newest_entry_is_detected(
    audit: AuditLog, redis: aioredis.Redis, keys: Keys
) -> None:
    ids = await fill(audit, 5)
    await redis.xdel(keys.audit_stream(), ids[-1])
    check = await audit.verify()
    assert not check.ok
    assert "head" in (check.problem or "")


async def test_a_rewritten_head_is_detected(
    audit: AuditLog, redis: aioredis.Redis, keys: Keys
) -> None:
    await fill(audit, 3)
    await redis.set(keys.audit_head(), "0" * 40)
    assert not (await audit.verify()).ok


async def test_an_edited_entry_is_detected(
    audit: AuditLog, redis: aioredis.Redis, keys: Keys
) -> None:
    ids = await fill(audit, 5)
    entries = await redis.xrange(keys.audit_stream())
    await redis.delete(keys.audit_stream())
    for entry_id, fields in entries:  # rebuild the stream, same ids, one field changed
        if entry_id == ids[2]:
            fields = fields | {"actor": "U_SOMEONE_ELSE"}
        await redis.xadd(keys.audit_stream(), fields, id=entry_id)
    check = await audit.verify()
    assert (check.ok, check.first_bad_id, check.checked) == (False, ids[2], 2)
    assert "edited" in (check.problem or "")


async def test_a_trimmed_stream_verifies_from_its_first_entry(
    redis: aioredis.Redis, keys: Keys
) -> None:
    audit = AuditLog(redis, keys, maxlen=10)
    await fill(audit, 400)
    length = await redis.xlen(keys.audit_stream())
    assert length < 400
    check = await audit.verify()
    assert (check.ok, check.checked) == (True, length)


async def test_an_append_retried_with_its_op_id_is_written_once(audit: AuditLog) -> None:
    first = await audit.append(at=T0, actor="U_A", action=AuditAction.DELETED, op_id="op-1")
    second = await audit.append(at=T0, actor="U_A", action=AuditAction.DELETED, op_id="op-1")
    assert first == second
    [entry] = await audit.latest()
    assert entry.op_id == "op-1"


async def test_latest_filters_and_scans_back_past_a_page(audit: AuditLog) -> None:
    await audit.append(
        at=T0, actor="U_A", action=AuditAction.REQUESTED, request_id="r-1", registry="reg-1"
    )
    await audit.append(
        at=T0, actor="U_A", action=AuditAction.APPROVED, request_id="r-1", registry="reg-1"
    )
    await fill(audit, 1100, request_id="r-2", registry="reg-2", token="tok-2")
    found = await audit.latest(5, request_id="r-1")
    assert [e.action for e in found] == [AuditAction.APPROVED, AuditAction.REQUESTED]
    assert len(await audit.latest(5, registry="reg-2")) == 5
    assert len(await audit.latest(3, token="tok-2", request_id="r-2")) == 3
    assert await audit.latest(5, token="tok-2", request_id="r-1") == []
    assert len(await audit.latest(7)) == 7


async def test_iter_entries_oldest_first_since(audit: AuditLog) -> None:
    await fill(audit, 700)
    everything = [e async for e in audit.iter_entries()]
    assert len(everything) == 700
    assert everything[0].at == T0
    recent = [e async for e in audit.iter_entries(since=T0 + timedelta(seconds=690))]
    assert [e.at for e in recent] == [T0 + timedelta(seconds=s) for s in range(690, 700)]


async def test_a_deleted_oldest_entry_is_detected(
    audit: AuditLog, redis: aioredis.Redis, keys: Keys
) -> None:
    ids = await fill(audit, 3)
    await redis.xdel(keys.audit_stream(), ids[0])
    check = await audit.verify()
    assert (check.ok, check.first_bad_id) == (False, ids[0])
    assert "XDEL" in (check.problem or "")


async def test_trim_drops_entries_older_than_the_retention(
    redis: aioredis.Redis, keys: Keys
) -> None:
    log = AuditLog(redis, keys)
    for n in range(3):
        await log.append(at=datetime.now(UTC), actor="U1", action="requested", detail=str(n))
    assert await log.trim(older_than=datetime.now(UTC) - timedelta(days=1)) == 0
    assert await log.trim(older_than=datetime.now(UTC) + timedelta(seconds=1)) == 3
    await log.append(at=datetime.now(UTC), actor="U1", action="requested", detail="after")
    check = await log.verify()
    assert check.ok
    assert check.checked == 1
