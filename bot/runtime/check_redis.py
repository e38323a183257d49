"""The Redis line of `regbot check-config`: reachable, persistent, and — behind Sentinel —
which master the sentinels name and which replicas it has; whether there are enough replicas
online for `REDIS_MIN_REPLICAS_ACK` (too few, and every change would be answered "try again").

The client is the bot's own (`bot.runtime.clients.redis_from`), so what is checked is what
`regbot serve` will use. No password is ever printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.sentinel import SentinelConnectionPool
from redis.exceptions import RedisError

from bot.runtime.clients import redis_from
from bot.runtime.redis_settings import RedisSettings

Status = Literal["ok", "warn", "FAIL"]

NO_PERSISTENCE = (
    "a Redis restart loses every pending request, who owns which token and the audit trail "
    "(set appendonly yes)"
)
SNAPSHOTS_ONLY = (
    "a crash loses the requests, ownership records and audit entries written since the last "
    "snapshot (set appendonly yes)"
)


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str

    @property
    def line(self) -> str:
        return f"{self.status:<4} {self.name}: {self.detail}"


def _where(settings: RedisSettings) -> str:
    """host:port/db of the Redis URL, or the Sentinel master's name; never a password."""
    if settings.uses_sentinel:
        return f"master {settings.redis_sentinel_master} via sentinels {settings.redis_sentinels}"
    parts = urlsplit(settings.redis_url)
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or '/0'}"


async def _topology(settings: RedisSettings, client: Redis) -> tuple[str, int]:
    """Words naming the master and its replicas, and how many replicas are online."""
    replication: dict[str, Any] = await client.info("replication")
    online = [
        f"{value['ip']}:{value['port']}"
        for key, value in replication.items()
        if key.startswith("slave") and isinstance(value, dict) and value.get("state") == "online"
    ]
    replicas = f"{len(online)} replica{'' if len(online) == 1 else 's'} online"
    replicas += f" ({', '.join(online)})" if online else ""
    pool = client.connection_pool
    if isinstance(pool, SentinelConnectionPool):
        host, port = await pool.sentinel_manager.discover_master(pool.service_name)
        known = await pool.sentinel_manager.discover_slaves(pool.service_name)
        count = len(settings.sentinels)
        return (
            f"master {host}:{port} (named by the sentinels of {pool.service_name}), {replicas}, "
            f"{len(known)} known to the sentinels, {count} sentinels configured",
            len(online),
        )
    return (replicas if online else ""), len(online)


async def check_redis(settings: RedisSettings) -> Check:
    client = redis_from(settings, socket_timeout=3.0)
    try:
        pong = await client.ping()
        persistence = await client.info("persistence")
        topology, online = await _topology(settings, client)
        try:
            config = await client.config_get("appendfsync", "save")
        except RedisError:  # managed services often rename or forbid CONFIG
            config = {}
    except (RedisError, OSError) as exc:
        return Check("redis", "FAIL", f"cannot use {_where(settings)} ({type(exc).__name__})")
    finally:
        await client.aclose()
    said = ("PONG" if pong else "no PONG") + (f", {topology}" if topology else "")
    wanted = settings.replicas_ack
    if online < wanted:
        return Check(
            "redis",
            "FAIL",
            f"{said}: REDIS_MIN_REPLICAS_ACK={wanted} needs {wanted} online, "
            "so every change would be answered 'try again'",
        )
    if wanted:
        said += f", every change waits for {wanted} (REDIS_MIN_REPLICAS_ACK)"
    if int(persistence.get("aof_enabled", 0)) == 1:
        fsync = f" (appendfsync {config['appendfsync']})" if config.get("appendfsync") else ""
        return Check("redis", "ok", f"{said}, appendonly=yes{fsync}")
    if snapshots := config.get("save"):
        return Check(
            "redis", "warn", f"{said}, appendonly=no, RDB snapshots ({snapshots}): {SNAPSHOTS_ONLY}"
        )
    return Check("redis", "warn", f"{said}, appendonly=no, no snapshots: {NO_PERSISTENCE}")
