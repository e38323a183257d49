"""``regbot audit export`` and ``regbot audit verify``: the audit trail from the command line.

Entry points, so they read the environment themselves — only Redis's settings
(`bot.runtime.redis_settings`: ``REDIS_URL`` or ``REDIS_SENTINELS`` + ``REDIS_SENTINEL_MASTER``,
``REDIS_PASSWORD``…) and ``REGBOT_NAMESPACE`` — and build their client with the bot's own
`redis_from`. Exit codes: 0 fine, 1 the chain is broken, 2 Redis unreachable, a bad setting or
a bad argument.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.domain.errors import StoreUnavailable
from bot.runtime.clients import redis_from
from bot.runtime.redis_settings import RedisSettings
from bot.runtime.settings import SettingsError, load
from bot.store.audit import AuditEntry, AuditLog
from bot.store.keys import Keys

_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
CSV_COLUMNS = list(AuditEntry.model_fields)


def parse_since(text: str | None, *, now: datetime) -> datetime | None:
    """``24h``, ``7d``, ``30m``, ``2w``, ``90s`` before `now`, or ISO 8601 (UTC if naive)."""
    if text is None:
        return None
    match = _DURATION.match(text.strip())
    if match:
        return now - timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since {text!r} is neither a duration (24h, 7d) nor an ISO date"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def export_command(args: argparse.Namespace) -> int:
    try:
        since = parse_since(args.since, now=datetime.now(UTC))
    except ValueError as exc:
        print(f"regbot audit export: {exc}", file=sys.stderr)
        return 2
    fmt: str = args.format

    async def export(log: AuditLog) -> int:
        writer = csv.writer(sys.stdout) if fmt == "csv" else None
        if writer is not None:
            writer.writerow(CSV_COLUMNS)
        async for entry in log.iter_entries(since=since):
            if writer is not None:
                row = entry.model_dump(mode="json")
                writer.writerow([row[column] for column in CSV_COLUMNS])
            else:
                sys.stdout.write(entry.model_dump_json() + "\n")
        return 0

    return asyncio.run(_with_log(export))


def verify_command(args: argparse.Namespace) -> int:
    async def verify(log: AuditLog) -> int:
        check = await log.verify()
        if check.ok:
            print(f"audit chain ok: {check.checked} entries")
            return 0
        where = f"entry {check.first_bad_id}" if check.first_bad_id else "the stream"
        print(
            f"audit chain BROKEN at {where} after {check.checked} good entries: {check.problem}",
            file=sys.stderr,
        )
        return 1

    return asyncio.run(_with_log(verify))


async def _with_log(run: Callable[[AuditLog], Awaitable[int]]) -> int:
    return await with_redis(lambda redis, keys: run(AuditLog(redis, keys)))


async def with_redis(run: Callable[[Redis, Keys], Awaitable[int]]) -> int:
    """Run a command on regbot's Redis (``REDIS_URL``, or Sentinel) and the
    ``REGBOT_NAMESPACE`` keys (also ``regbot review report``): a bad setting or an unreachable
    Redis is one line on stderr and exit code 2."""
    try:
        settings = load(RedisSettings)
    except SettingsError as exc:
        print(f"regbot: {exc}", file=sys.stderr)
        return 2
    keys = Keys(namespace=settings.regbot_namespace)
    redis = redis_from(settings, socket_timeout=5.0)
    try:
        return await run(redis, keys)
    except (StoreUnavailable, RedisError) as exc:
        cause = exc.__cause__ or exc
        print(f"regbot: cannot reach Redis at {_where(settings)}: {cause}", file=sys.stderr)
        return 2
    finally:
        await redis.aclose()


def _where(settings: RedisSettings) -> str:
    if settings.uses_sentinel:
        return f"master {settings.redis_sentinel_master} (sentinels {settings.redis_sentinels})"
    return _redacted(settings.redis_url)


def _redacted(url: str) -> str:
    """The URL without user or password (they are credentials)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()
