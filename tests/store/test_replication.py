"""Acknowledged means replicated (`REDIS_MIN_REPLICAS_ACK`), against a real master and a real
replica: a change the replica confirms is answered; a change it does not confirm in time
(replica paused with SIGSTOP) is answered `NotReplicated`, and the retry applies nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.devtools.redis_server import RedisServer, free_port
from bot.domain.audit import AuditAction
from bot.domain.errors import NotReplicated, ServiceUnavailable
from bot.domain.models import RequestState
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.replication import Replication
from bot.store.requests import RequestStore
from tests.store.conftest import T0, TTL, count_actions, make_request, op

QUICK_SYNC = ("--repl-diskless-sync-delay", "0")


@contextlib.contextmanager
def master_and_replica() -> Iterator[tuple[RedisServer, RedisServer]]:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        master = RedisServer(port=free_port(), directory=Path(a), extra=QUICK_SYNC)
        master.start()
        replica = RedisServer(
            port=free_port(),
            directory=Path(b),
            extra=(*QUICK_SYNC, "--replicaof", "127.0.0.1", str(master.port)),
        )
        replica.start()
        try:
            yield master, replica
        finally:
            if replica.process is not None:
                replica.process.send_signal(signal.SIGCONT)
            replica.stop()
            master.stop()


async def following(master: aioredis.Redis) -> None:
    """Until the replica acknowledges writes: "online" comes before its first ACK (a
    replica with an append-only file rewrites it after the first sync)."""
    async with asyncio.timeout(30):
        while True:
            await master.set("probe", "1")
            if await master.wait(1, 1000) >= 1:
                return


@pytest.fixture
async def pair() -> AsyncIterator[tuple[aioredis.Redis, aioredis.Redis, RedisServer]]:
    with master_and_replica() as (master, replica):
        on_master = aioredis.Redis.from_url(master.url, decode_responses=True)
        on_replica = aioredis.Redis.from_url(replica.url, decode_responses=True)
        await following(on_master)
        try:
            yield on_master, on_replica, replica
        finally:
            await on_master.aclose()
            await on_replica.aclose()


async def test_a_confirmed_change_is_on_the_replica_when_it_is_answered(
    pair: tuple[aioredis.Redis, aioredis.Redis, RedisServer], keys: Keys
) -> None:
    on_master, on_replica, _ = pair
    store = RequestStore(on_master, keys, replication=Replication(replicas=1))
    request = make_request()
    await store.create(request, nonce="n1", ttl=TTL)
    done = await store.approve(request.id, actor="U_BOSS", at=T0, op_id=op())

    assert done.applied
    # read from the replica at once: WAIT answered only after it had the write
    on_replica_now = await RequestStore(on_replica, keys).get(request.id)
    assert on_replica_now is not None and on_replica_now.state is RequestState.APPROVED
    assert await count_actions(AuditLog(on_replica, keys)) == {
        AuditAction.REQUESTED: 1,
        AuditAction.APPROVED: 1,
    }


async def test_an_unconfirmed_change_says_try_again_and_the_retry_applies_nothing_twice(
    pair: tuple[aioredis.Redis, aioredis.Redis, RedisServer], keys: Keys
) -> None:
    on_master, _, replica = pair
    store = RequestStore(on_master, keys, replication=Replication(replicas=1, timeout_ms=200))
    request = make_request()
    await store.create(request, nonce="n1", ttl=TTL)
    assert replica.process is not None

    replica.process.send_signal(signal.SIGSTOP)  # connected, but acknowledges nothing
    approval = op()
    with pytest.raises(NotReplicated) as refused:
        await store.approve(request.id, actor="U_BOSS", at=T0, op_id=approval)
    assert isinstance(refused.value, ServiceUnavailable)
    assert "try again" in refused.value.user_message
    with pytest.raises(NotReplicated):  # a second submission of one modal: refused too
        await store.create(make_request(), nonce="n2", ttl=TTL)
    replica.process.send_signal(signal.SIGCONT)

    # the person clicks again (a new op id): the request was approved once, and says so
    again = await store.approve(request.id, actor="U_BOSS", at=T0, op_id=op())
    assert not again.applied and again.request is not None
    assert again.request.state is RequestState.APPROVED
    # redis-py retrying the first call (the same op id): the stored answer, nothing new
    replay = await store.approve(request.id, actor="U_BOSS", at=T0, op_id=approval)
    assert replay.applied
    counted = await count_actions(AuditLog(on_master, keys))
    assert counted[AuditAction.APPROVED] == 1
    assert counted[AuditAction.REQUESTED] == 2  # n1, and n2 (stored, told "try again")
    # resubmitting n2 finds the request it stored: one request per modal
    stored, _ = await store.create(make_request(), nonce="n2", ttl=TTL)
    assert (await count_actions(AuditLog(on_master, keys)))[AuditAction.REQUESTED] == 2
    assert stored.state is RequestState.PENDING


async def test_without_replicas_configured_nothing_waits(redis: aioredis.Redis, keys: Keys) -> None:
    """The session's Redis has no replica: with 0 (the default without Sentinel) all works."""
    store = RequestStore(redis, keys, replication=Replication(replicas=0))
    request = make_request()
    _, created = await store.create(request, nonce="n", ttl=TTL)
    assert created
    with pytest.raises(NotReplicated):
        await RequestStore(redis, keys, replication=Replication(1, 50)).approve(
            request.id, actor="U_BOSS", at=T0, op_id=op()
        )
