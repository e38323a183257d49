"""Latency samples in, the summary figures out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

ACK_LIMIT = 3.0  # seconds: Slack shows the user an error after this


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values (``share`` in 0..1)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Latencies:
    """Seconds per request, summarised in milliseconds."""

    samples: tuple[float, ...]

    @classmethod
    def of(cls, samples: Sequence[float]) -> Latencies:
        return cls(tuple(sorted(samples)))

    @property
    def count(self) -> int:
        return len(self.samples)

    def ms(self, share: float) -> float:
        return percentile(self.samples, share) * 1000

    @property
    def p50(self) -> float:
        return self.ms(0.50)

    @property
    def p99(self) -> float:
        return self.ms(0.99)

    @property
    def max(self) -> float:
        return self.samples[-1] * 1000 if self.samples else math.nan

    @property
    def over_limit(self) -> int:
        return sum(1 for s in self.samples if s > ACK_LIMIT)

    def line(self) -> str:
        return (
            f"p50={self.p50:.1f} ms p99={self.p99:.1f} ms max={self.max:.1f} ms "
            f"over3s={self.over_limit}/{self.count}"
        )
