"""A sweep over 100 registries x 100 tokens through the stand-in finishes, and its peak memory
(tracemalloc) does not grow with the number of tokens: pages are streamed, digests keep their
first rows only. A memory check, not a timing one (the benchmarks measure speed)."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest

from bot.devtools.ionos import FakeIonos
from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack
from bot.domain.clock import FakeClock
from bot.policy.model import Policy
from tests.reminders.world import SCOPES, world_of
from tests.slack_fixtures import BOT_TOKEN

pytestmark = pytest.mark.slow

NINE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # digest due: every token's owner is looked up
DUE = 20  # the same number of reminders in both sizes, so Slack-side work is equal


def populated(registries: int, per_registry: int, clock: FakeClock) -> FakeIonos:
    ionos = FakeIonos(clock=clock)
    due = 0
    for r in range(registries):
        registry = ionos.add_registry(f"reg-{r:03d}")
        for t in range(per_registry):
            soon = due < DUE and t == 0
            due += soon
            expiry = NINE + (timedelta(days=2) if soon else timedelta(days=60))
            ionos.add_token(registry.id, f"tok-{t:03d}", expiry=expiry, scopes=SCOPES)
    return ionos


async def peak_of_sweep(
    redis_server: RedisServer, policy: Policy, registries: int, per_registry: int
) -> tuple[int, int]:
    clock = FakeClock(NINE)
    ionos = populated(registries, per_registry, clock)
    slack = FakeSlack(bot_token=BOT_TOKEN)
    async with world_of(
        redis_server.url, slack, policy, clock=clock, ionos=ionos, contract=False
    ) as w:
        await w.sweep()  # warm-up: imports, scripts, connection pools
        clock.advance(timedelta(days=1))  # a new day: the digest and its lookups again
        tracing_already = tracemalloc.is_tracing()  # another test's tracing is left alone
        if not tracing_already:
            tracemalloc.start()
        try:
            base, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            report = await w.sweep()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            if not tracing_already:
                tracemalloc.stop()
    assert report.registries == registries
    assert report.tokens == registries * per_registry
    assert report.reminders_sent == min(DUE, registries)
    assert report.digests_sent == 1
    return report.tokens, peak - base  # what the sweep added on top of what was there


async def test_sweep_memory_does_not_grow_with_tokens(
    redis_server: RedisServer, policy: Policy
) -> None:
    small_tokens, small_peak = await peak_of_sweep(redis_server, policy, 10, 100)
    large_tokens, large_peak = await peak_of_sweep(redis_server, policy, 100, 100)
    print(  # reported, for the record (pytest -s)
        f"\nsweep peak memory: {small_tokens} tokens {small_peak / 1e6:.2f} MB, "
        f"{large_tokens} tokens {large_peak / 1e6:.2f} MB"
    )
    # 10x the tokens; streaming keeps the peak about flat. Generous: under 3x.
    assert large_peak < 3 * small_peak
