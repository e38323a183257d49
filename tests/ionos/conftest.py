"""Fixtures for the IONOS tests: the stand-in, served on an ephemeral port, contract-checked.

`fake_ionos` is a fresh `FakeIonos` per test (SystemClock; a test module that needs to move
time overrides the `ionos_clock` fixture with a `FakeClock`). `ionos_url` serves it with a
hook that validates every request and response against the vendored OpenAPI spec; the test
fails at teardown if any exchange broke the contract, in either direction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.ionos import FakeIonos
from bot.domain.clock import Clock, SystemClock
from tests.ionos.contract import contract_checked


@pytest.fixture
def ionos_clock() -> Clock:
    return SystemClock()


@pytest.fixture
def fake_ionos(ionos_clock: Clock) -> FakeIonos:
    return FakeIonos(clock=ionos_clock)


@pytest.fixture
async def ionos_url(fake_ionos: FakeIonos) -> AsyncIterator[str]:
    async with contract_checked(fake_ionos) as url:
        yield url
