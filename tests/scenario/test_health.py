"""Health checks anyone may call: liveness touches nothing external; readiness checks Redis
and IONOS at most once per few seconds however many probes arrive (#11 item 7)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from bot.domain.clock import FakeClock
from bot.runtime.health import READY_MAX_AGE
from tests.scenario.harness import Harness


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _url(harness: Harness, path: str) -> str:
    return harness.driver.url.removesuffix("/slack/events") + path


def _ionos_calls(harness: Harness) -> int:
    return len(harness.ionos.requests)


async def _get_many(url: str, times: int) -> list[tuple[int, Any]]:
    async with aiohttp.ClientSession() as session:

        async def one() -> tuple[int, Any]:
            async with session.get(url) as response:
                return response.status, await response.json()

        return await asyncio.gather(*(one() for _ in range(times)))


@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
async def test_200_readiness_probes_cost_a_handful_of_ionos_calls(
    harness: Harness, path: str
) -> None:
    before = _ionos_calls(harness)
    answers = await _get_many(_url(harness, path), 200)
    assert answers == [(200, {"status": "ok", "redis": "ok", "ionos": "ok"})] * 200
    assert 1 <= _ionos_calls(harness) - before <= 3


async def test_liveness_touches_nothing_external(harness: Harness) -> None:
    harness.ionos.knobs.rate_5xx = 1.0  # IONOS down: the process is still alive
    before = _ionos_calls(harness)
    answers = await _get_many(_url(harness, "/livez"), 200)
    assert answers == [(200, {"status": "ok"})] * 200
    assert _ionos_calls(harness) == before


async def test_readiness_reports_a_failure_once_the_cached_answer_is_old(
    harness: Harness, clock: FakeClock
) -> None:
    url = _url(harness, "/readyz")
    [(status, _)] = await _get_many(url, 1)
    assert status == 200
    harness.ionos.knobs.rate_5xx = 1.0
    [(status, _)] = await _get_many(url, 1)
    assert status == 200  # the answer of a moment ago
    clock.advance(READY_MAX_AGE)
    [(status, body)] = await _get_many(url, 1)
    assert status == 503
    assert body["status"] == "degraded" and body["redis"] == "ok"
    assert body["ionos"].startswith("error")
    assert (await _get_many(_url(harness, "/healthz"), 1))[0][0] == 503  # the old name
