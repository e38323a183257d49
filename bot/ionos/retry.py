"""When and how long to wait before trying an IONOS call again.

What is retried (the IONOS Go SDK's rule, minus its weaknesses):

* 429, 502, 503, 504 and "no usable answer" (connection refused or reset, timeouts), for
  GET, HEAD, PUT, PATCH and DELETE; a 500 only for GET and HEAD.
* **Never POST**: creating a token is not idempotent. A POST that may have reached the
  server is reconciled by the caller (look the token up by name), not sent twice.

How long: exponential backoff with full jitter, ``uniform(0, min(cap, base * 2**n))``;
a ``Retry-After`` from the server is a floor — we never come back earlier than asked,
and never cap it. The whole call, waits included, ends at ``deadline`` seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from bot.ionos.errors import IonosApiError, IonosError, IonosUnavailable

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})
SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` counts every try, the first included; ``deadline`` bounds the whole call."""

    attempts: int = 4
    base: float = 0.1
    cap: float = 5.0
    deadline: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base < 0 or self.cap < 0 or self.deadline <= 0:
            raise ValueError("base and cap must not be negative, deadline must be positive")

    @classmethod
    def none(cls) -> RetryPolicy:
        """One attempt, no retry: for tests and callers that reconcile themselves."""
        return cls(attempts=1)

    def backoff(
        self, retry: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first retry)."""
        ceiling = min(self.cap, self.base * (2.0**retry))
        wait = (rng or random).uniform(0.0, ceiling)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


def is_retryable(method: str, error: IonosError) -> bool:
    """Whether a failed attempt of ``method`` may be sent again."""
    if method not in IDEMPOTENT_METHODS:
        return False
    if isinstance(error, IonosUnavailable):
        return True
    if isinstance(error, IonosApiError):
        return error.status in RETRYABLE_STATUSES or (
            error.status == 500 and method in SAFE_METHODS
        )
    return False


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or garbled."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


__all__ = ["RETRYABLE_STATUSES", "RetryPolicy", "is_retryable", "parse_retry_after"]
