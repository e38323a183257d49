"""About one message a second per channel, and a channel's Retry-After respected.

Slack allows roughly one chat.postMessage per second per channel (short bursts tolerated) and
answers 429 with ``Retry-After`` beyond that; slack_sdk paces nothing by itself. The sweep's
notifier asks `ChannelPacer.wait` before each post: it waits (on the injected clock) for the
channel's next free slot, or answers False while the channel is still serving a Retry-After,
so the message is left for the next sweep instead of being retried into another 429.
Per process; a second replica has its own pacer (the sweep lock keeps one sweep at a time).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.clock import Clock


class ChannelPacer:
    def __init__(
        self, clock: Clock, *, interval: timedelta = timedelta(seconds=1), remember: int = 1000
    ) -> None:
        self._clock = clock
        self._interval = interval
        self._remember = remember
        self._next: dict[str, datetime] = {}
        self._blocked: dict[str, datetime] = {}

    def blocked(self, channel: str) -> bool:
        until = self._blocked.get(channel)
        return until is not None and until > self._clock.now()

    async def wait(self, channel: str) -> bool:
        """Return at the channel's next slot (True), or at once with False while it is blocked."""
        if self.blocked(channel):
            return False
        now = self._clock.now()
        slot = max(now, self._next.get(channel, now))
        self._next[channel] = slot + self._interval
        self._forget_old(now)
        if slot > now:
            await self._clock.sleep((slot - now).total_seconds())
        return not self.blocked(channel)  # a 429 may have come in while this one waited

    def block(self, channel: str, seconds: float) -> None:
        """Slack said 429 with this Retry-After: nothing more to `channel` until then."""
        until = self._clock.now() + timedelta(seconds=max(seconds, 1.0))
        self._blocked[channel] = max(until, self._blocked.get(channel, until))

    def _forget_old(self, now: datetime) -> None:
        """Keep memory flat: a slot or block in the past tells nothing any more."""
        if len(self._next) > self._remember:
            self._next = {c: t for c, t in self._next.items() if t > now}
        if len(self._blocked) > self._remember:
            self._blocked = {c: t for c, t in self._blocked.items() if t > now}


class RatePacer:
    """A token bucket for one Web API method across the workspace (e.g. ``views.publish``,
    tier 4: 100+ calls a minute): `burst` calls at once, then one every `interval`; after a
    429 nothing until its Retry-After has passed. Per process, on the injected clock."""

    def __init__(self, clock: Clock, *, interval: timedelta, burst: int) -> None:
        self._clock = clock
        self._interval = interval
        self._burst = burst
        self._tokens = float(burst)
        self._stamp = clock.now()
        self._blocked_until = self._stamp

    async def wait(self) -> None:
        """Return when a call may go out (waiting on the clock when the bucket is empty)."""
        while True:
            now = self._clock.now()
            if now < self._blocked_until:
                await self._clock.sleep((self._blocked_until - now).total_seconds())
                continue
            self._tokens = min(
                float(self._burst), self._tokens + (now - self._stamp) / self._interval
            )
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await self._clock.sleep((1 - self._tokens) * self._interval.total_seconds())

    def block(self, seconds: float) -> None:
        """Slack said 429 with this Retry-After."""
        until = self._clock.now() + timedelta(seconds=max(seconds, 1.0))
        self._blocked_until = max(self._blocked_until, until)
        self._tokens = 0.0
