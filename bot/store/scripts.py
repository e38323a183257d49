"""The Lua scripts, composed from the package's ``lua/*.lua`` files.

A script is a prelude or two followed by its body, joined into one source and registered with
``register_script`` (EVALSHA, loading the script again after a server restart). Every script that
writes the audit trail starts with ``audit.lua``; request transitions add ``request.lua``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from redis.asyncio import Redis
from redis.commands.core import AsyncScript


@cache
def source(*parts: str) -> str:
    folder = resources.files("bot.store").joinpath("lua")
    return "\n".join(folder.joinpath(f"{part}.lua").read_text("utf-8") for part in parts)


def audit_script(redis: Redis, body: str) -> AsyncScript:
    """``audit.lua`` + a body that appends to the audit trail on its own."""
    return redis.register_script(source("audit", body))


def transition_script(redis: Redis, body: str) -> AsyncScript:
    """``audit.lua`` + ``request.lua`` + one request transition."""
    return redis.register_script(source("audit", "request", body))
