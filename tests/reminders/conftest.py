"""Reminder fixtures: a `World` (bot sweep + Redis + stand-ins) on a FakeClock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack
from bot.policy.model import Policy
from tests.reminders.world import World, world_of
from tests.scenario.conftest import check_everything_sent
from tests.scenario.harness import policy_mapping


@pytest.fixture
def policy() -> Policy:
    return Policy.from_mapping(policy_mapping())


@pytest.fixture
async def world(
    redis_server: RedisServer, fake_slack: FakeSlack, policy: Policy
) -> AsyncIterator[World]:
    async with world_of(redis_server.url, fake_slack, policy) as w:
        yield w
        check_everything_sent(fake_slack)
