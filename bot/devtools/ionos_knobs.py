"""Fault knobs of the IONOS stand-in: latency, random 429/503, a rate limit, scripted failures.

`Knobs` is plain data that tests and benchmarks change while the server runs; `Faults` turns
the knobs into decisions for each request (it owns the random generator and the token bucket).
"""

from __future__ import annotations

import math
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.ionos_model import ApiError


@dataclass
class FailRule:
    """Answer the next ``times`` requests matching ``method`` (or ``*``) and ``path_regex``
    (searched in the path) with ``status``. With ``drop_response`` the operation is done and
    the connection closed without an answer instead ("the response was lost")."""

    method: str
    path_regex: str
    status: int
    times: int = 1
    retry_after: int | None = None
    drop_response: bool = False

    def matches(self, method: str, path: str) -> bool:
        wanted = self.method.upper()
        return wanted in ("*", method.upper()) and re.search(self.path_regex, path) is not None


@dataclass
class Knobs:
    latency: float = 0.0  # seconds added before every answer
    # False: the latency is waited before the work (so the work's time adds to it, queued
    # behind the other requests on this one loop). True: the answer leaves `latency` after
    # the request came, the work done meanwhile, as a server with many workers would
    # answer (bench.sweep measures against that floor).
    latency_includes_work: bool = False
    rate_429: float = 0.0  # probability of a 429 (with Retry-After)
    retry_after: int = 1  # seconds, sent in Retry-After on 429
    rate_5xx: float = 0.0  # probability of a 503
    rate_limit_rps: float | None = None  # token bucket for the whole server; over it: 429
    fail_next: list[FailRule] = field(default_factory=list)
    seed: int | None = None  # for the probabilistic knobs


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in saw it; the Authorization value is never kept."""

    method: str
    path: str
    query: dict[str, str]
    body: Any | None
    status: int
    headers: dict[str, str]
    dropped: bool = False  # the operation ran but the answer was never sent
    at: float = field(default_factory=time.time, compare=False)  # when recorded (epoch s)


@dataclass
class TokenBucket:
    """``rate`` requests per second on average, bursts up to ``max(1, rate)``."""

    rate: float
    tokens: float = 0.0
    stamp: float = -1.0

    def take(self) -> float:
        """0.0 if a request may pass now, else the seconds until one may."""
        now = time.monotonic()
        capacity = max(1.0, self.rate)
        if self.stamp < 0:
            self.tokens, self.stamp = capacity, now
        self.tokens = min(capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class Faults:
    """Per-server fault state; reads the knobs afresh on every request."""

    def __init__(self) -> None:
        self._rng = random.Random()
        self._seed: object = object()  # never equal to a seed: the first call seeds
        self._bucket: TokenBucket | None = None

    def take_rule(self, knobs: Knobs, method: str, path: str) -> FailRule | None:
        """The first matching rule, its count used up by one (removed when spent)."""
        for rule in knobs.fail_next:
            if rule.times > 0 and rule.matches(method, path):
                rule.times -= 1
                if rule.times <= 0:
                    knobs.fail_next.remove(rule)
                return rule
        return None

    @staticmethod
    def rule_error(rule: FailRule, knobs: Knobs) -> ApiError:
        retry_after = rule.retry_after
        if retry_after is None and rule.status == 429:
            retry_after = knobs.retry_after
        return ApiError(
            rule.status, f"INJECTED_{rule.status}", "injected failure", retry_after=retry_after
        )

    def admit(self, knobs: Knobs) -> None:
        """The server-wide rate limit, then the random faults; raises the answer to give."""
        if knobs.rate_limit_rps:
            if self._bucket is None or self._bucket.rate != knobs.rate_limit_rps:
                self._bucket = TokenBucket(knobs.rate_limit_rps)
            wait = self._bucket.take()
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                raise ApiError(429, "RATE_LIMITED", "rate limit exceeded", retry_after=retry_after)
        if knobs.seed != self._seed:
            self._rng, self._seed = random.Random(knobs.seed), knobs.seed
        if knobs.rate_429 and self._rng.random() < knobs.rate_429:
            raise ApiError(429, "RATE_LIMITED", "too many requests", retry_after=knobs.retry_after)
        if knobs.rate_5xx and self._rng.random() < knobs.rate_5xx:
            raise ApiError(503, "SERVICE_UNAVAILABLE", "service unavailable")
