"""Shared fixtures: a private redis-server for the session, a fresh namespace per test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping

import pytest
import redis.asyncio as aioredis
import uvloop

from bot.devtools.redis_server import RedisServer, running_redis
from bot.store.keys import Keys

pytest_plugins = ["tests.slack_fixtures"]


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """The tests run on uvloop, the loop `regbot serve` and `regbot sweep` run on
    (`bot.runtime.loop`)."""
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture
def keys() -> Keys:
    """A namespace of its own for each test, so tests never see each other's keys."""
    return Keys(namespace=f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()
