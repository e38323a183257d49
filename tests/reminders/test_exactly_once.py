"""Exactly once without the lock: two replicas sweeping at the same moment send each reminder
once (the send-once ledger decides, not the lock)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.reminders.world import T0, World, replica

pytestmark = pytest.mark.reliability


async def test_two_replicas_sweeping_at_once_send_each_reminder_once(world: World) -> None:
    owners = [f"UOWNER{i:02d}" for i in range(30)]
    tokens = [
        await world.token(
            f"tok-{i}", registry=f"reg-{i % 6}", expiry=T0 + timedelta(days=2), owner=o
        )
        for i, o in enumerate(owners)
    ]
    async with replica(world) as other:
        reports = await asyncio.gather(
            world.bot.reminders.sweep(T0), other.reminders.sweep(T0), world.bot.reminders.sweep(T0)
        )
    assert sum(r.reminders_sent for r in reports) == 30
    assert sum(r.reminders_skipped for r in reports) == 60
    for owner, token in zip(owners, tokens, strict=True):
        assert len(world.reminders_about(f"D{owner}", token)) == 1
