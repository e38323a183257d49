"""Health checks anyone on the network may call, cheaply.

``/livez``  liveness: the process serves HTTP. Touches nothing external, ever.
``/readyz`` readiness: Redis answers a ping and IONOS a one-item registry list. The deep result
            is kept for `READY_MAX_AGE` on the bot's clock, and concurrent probes share one
            check (single-flight): 200 GETs a second cost one IONOS call every few seconds,
            not 200. ``/healthz`` is the same as ``/readyz`` (kept for older probes).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.clock import Clock
from bot.runtime.web import HealthCheck
from bot.services.singleflight import SingleFlight

READY_MAX_AGE = timedelta(seconds=5)


class CachedCheck:
    """`check`, run at most once per `max_age`; callers in between get its last result."""

    def __init__(
        self, check: HealthCheck, clock: Clock, max_age: timedelta = READY_MAX_AGE
    ) -> None:
        self._check = check
        self._clock = clock
        self._max_age = max_age
        self._flight: SingleFlight[str, dict[str, str]] = SingleFlight()
        self._last: tuple[datetime, dict[str, str]] | None = None

    async def __call__(self) -> dict[str, str]:
        if self._last is not None and self._clock.now() - self._last[0] < self._max_age:
            return dict(self._last[1])
        return dict(await self._flight.run("ready", self._run))

    async def _run(self) -> dict[str, str]:
        checks = await self._check()
        self._last = (self._clock.now(), checks)
        return checks
