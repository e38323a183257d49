"""Store fixtures: stores on the private Redis, request factories, audit counting."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from bot.devtools.redis_server import RedisServer
from bot.domain.models import Action, RepoScope, RequestState, TokenAsk, TokenRequest
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.ownership import OwnershipStore
from bot.store.requests import RequestStore

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TTL = timedelta(days=3)
REQUESTER = "U_REQ"


def op() -> str:
    return uuid.uuid4().hex


def make_ask(*, repository: str = "*", token_name: str | None = None) -> TokenAsk:
    """An ask with a name of its own (two open requests never share a name on a registry).

    The whole uuid: with 8 hex digits, 1,000 names collided about once in 9,000 runs (CI saw it)."""
    return TokenAsk(
        registry_id="reg-1",
        registry_name="acme",
        token_name=token_name or f"ci-pull-{uuid.uuid4().hex}",
        scopes=[RepoScope(repository=repository, actions=frozenset({Action.PULL, Action.PUSH}))],
        expiry=T0 + timedelta(days=90),
        reason="CI pulls images",
    )


def make_request(*, requester: str = REQUESTER, quorum: int = 1) -> TokenRequest:
    return TokenRequest(
        id=f"r-{uuid.uuid4().hex}",
        state=RequestState.PENDING,
        requester=requester,
        ask=make_ask(),
        created_at=T0,
        quorum=quorum,
    )


async def count_actions(audit: AuditLog) -> Counter[str]:
    return Counter([str(e.action) async for e in audit.iter_entries()])


@pytest.fixture
def store(redis: aioredis.Redis, keys: Keys) -> RequestStore:
    return RequestStore(redis, keys)


@pytest.fixture
def audit(redis: aioredis.Redis, keys: Keys) -> AuditLog:
    return AuditLog(redis, keys)


@pytest.fixture
def ownership(redis: aioredis.Redis, keys: Keys) -> OwnershipStore:
    return OwnershipStore(redis, keys)


@pytest.fixture
async def other_redis(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    """A second client with its own connection pool: a second replica."""
    client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def pending(store: RequestStore) -> TokenRequest:
    request, created = await store.create(make_request(), nonce=op(), ttl=TTL)
    assert created
    return request
