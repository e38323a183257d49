"""Fixtures of the reliability suite: a Redis of its own per test (killed and restarted at
will, append-only file with fsync always), and the bot wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bot.devtools.redis_server import RedisServer, running_redis
from bot.devtools.slack import FakeSlack
from bot.domain.clock import FakeClock
from tests.reliability.rig import running_bot
from tests.scenario.harness import Harness


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """Not the session's server: these tests kill it."""
    with running_redis() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    """Starts now (modal dates are checked against it) and moves only when a test says."""
    return FakeClock(datetime.now(UTC))


@pytest.fixture
async def rig(
    fake_slack: FakeSlack, own_redis: RedisServer, clock: FakeClock
) -> AsyncIterator[Harness]:
    async with running_bot(fake_slack, redis_url=own_redis.url, clock=clock) as (harness, _):
        yield harness
