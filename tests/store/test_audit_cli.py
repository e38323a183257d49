"""`regbot audit export|verify` run as a process against the test Redis."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from bot.devtools.redis_server import RedisServer, free_port
from bot.domain.audit import AuditAction
from bot.runtime.audit_cli import parse_since
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from tests.store.conftest import T0


async def regbot(*argv: str, redis_url: str, namespace: str) -> tuple[int, str, str]:
    env = os.environ | {"REDIS_URL": redis_url, "REGBOT_NAMESPACE": namespace}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *argv,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_verify_and_export(
    redis_server: RedisServer, redis: aioredis.Redis, keys: Keys
) -> None:
    audit = AuditLog(redis, keys)
    first = await audit.append(
        at=T0, actor="U_A", action=AuditAction.REQUESTED, request_id="r-1", detail='a, "b"'
    )
    await audit.append(
        at=T0 + timedelta(hours=2), actor="U_B", action=AuditAction.APPROVED, request_id="r-1"
    )

    code, out, _ = await regbot(
        "audit", "verify", redis_url=redis_server.url, namespace=keys.namespace
    )
    assert (code, out.strip()) == (0, "audit chain ok: 2 entries")

    code, out, _ = await regbot(
        "audit", "export", redis_url=redis_server.url, namespace=keys.namespace
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert (rows[0]["id"], rows[0]["action"], rows[0]["detail"]) == (first, "requested", 'a, "b"')
    assert len(rows) == 2

    since = (T0 + timedelta(hours=1)).isoformat()
    code, out, _ = await regbot(
        "audit",
        "export",
        "--since",
        since,
        "--format",
        "csv",
        redis_url=redis_server.url,
        namespace=keys.namespace,
    )
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert [(r["actor"], r["action"]) for r in table] == [("U_B", "approved")]

    await redis.xdel(keys.audit_stream(), first)
    await audit.append(at=T0, actor="U_C", action=AuditAction.DENIED)
    code, _, err = await regbot(
        "audit", "verify", redis_url=redis_server.url, namespace=keys.namespace
    )
    assert code == 1
    assert "BROKEN" in err


async def test_unreachable_redis_is_one_line_and_exit_2() -> None:
    code, out, err = await regbot(
        "audit", "verify", redis_url=f"redis://:s3cret@127.0.0.1:{free_port()}/0", namespace="x"
    )
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "cannot reach Redis" in err
    assert "s3cret" not in err


def test_parse_since() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert parse_since(None, now=now) is None
    assert parse_since("24h", now=now) == now - timedelta(hours=24)
    assert parse_since("7d", now=now) == now - timedelta(days=7)
    assert parse_since("2026-11-01", now=now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-01T10:00:00+01:00", now=now) == datetime(2026, 11, 1, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="neither a duration"):
        parse_since("yesterday", now=now)
