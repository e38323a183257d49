"""Redis failures leave the stores as one domain error, `StoreUnavailable`, with the Redis
error as its cause: the layers above catch domain errors only (docs/architecture.md)."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from bot.devtools.redis_server import free_port
from bot.domain.errors import ServiceUnavailable, StoreUnavailable
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.ownership import OwnershipStore
from bot.store.requests import RequestStore


@pytest.fixture
async def nowhere() -> aioredis.Redis:
    """A client for a port where no Redis listens."""
    client = aioredis.Redis(port=free_port(), socket_connect_timeout=0.5, decode_responses=True)
    yield client
    await client.aclose()


async def test_a_coroutine_method_raises_store_unavailable(nowhere: aioredis.Redis) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        await RequestStore(nowhere, Keys("errors")).get("r-1")
    assert isinstance(caught.value.__cause__, RedisError)
    assert isinstance(caught.value, ServiceUnavailable)
    assert "database is unreachable" in caught.value.user_message


async def test_an_async_iterator_raises_store_unavailable(nowhere: aioredis.Redis) -> None:
    with pytest.raises(StoreUnavailable):
        async for _ in AuditLog(nowhere, Keys("errors")).iter_entries():
            pass


async def test_ownership_lookups_raise_store_unavailable(nowhere: aioredis.Redis) -> None:
    with pytest.raises(StoreUnavailable):
        await OwnershipStore(nowhere, Keys("errors")).owners_of(["t-1"])
