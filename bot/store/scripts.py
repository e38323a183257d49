"""The Lua scripts, composed from the package's ``lua/*.lua`` files.

A script is a prelude or two followed by its body, joined into one source and registered with
``register_script`` (EVALSHA, loading the script again after a server restart). Every script that
writes the audit trail starts with ``audit.lua``; request transitions add ``request.lua``.
Those scripts change what people are told about, so they are `WaitedScript`s: with
`REDIS_MIN_REPLICAS_ACK` set, each call waits for the replicas (`bot.store.replication`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from redis.asyncio import Redis

from bot.store.replication import NO_WAIT, Replication, WaitedScript


@cache
def source(*parts: str) -> str:
    folder = resources.files("bot.store").joinpath("lua")
    return "\n".join(folder.joinpath(f"{part}.lua").read_text("utf-8") for part in parts)


def audit_script(redis: Redis, body: str, replication: Replication = NO_WAIT) -> WaitedScript:
    """``audit.lua`` + a body that appends to the audit trail on its own."""
    return WaitedScript(redis, source("audit", body), replication)


def transition_script(
    redis: Redis, body: str, replication: Replication = NO_WAIT, *preludes: str
) -> WaitedScript:
    """``audit.lua`` + ``request.lua`` (+ `preludes`) + one request transition."""
    return WaitedScript(redis, source("audit", "request", *preludes, body), replication)
