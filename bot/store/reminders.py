"""Send-once ledger: each reminder and each daily digest goes out once, whatever the lock does.

One string key per item (`Keys.reminder_sent` for a (token, threshold, expiry), `Keys.digest_sent`
for an (approval channel, UTC day)) walks through three states::

    (absent) ──claim──► "sending:<claimant>" ──Slack took it──► "sent"  (kept past the expiry)
        ▲                     │   │
        └──Slack failed───────┘   └──sender died: the claim's ttl runs out──► (absent)
           (release)

* ``claim`` is ``SET key "sending:<claimant>" NX PX claim_ttl`` (`set_if_absent.lua`, which
  also answers yes to the claimant's own claim: redis-py retries a command whose reply timed
  out, and a paused process must not take its own claim for another's): of any number of
  replicas racing, one gets it; an item already "sent" or being sent by another is skipped.
* ``mark_sent`` is an unconditional ``SET key "sent" EX keep``: the message is out, so whatever
  the key held (even another claimant's claim, if ours had run out) it is sent now.
* ``release`` is a compare-and-delete (``compare_delete.lua``): only the claimant's own claim is
  removed, so the next sweep sends the item again (a 429, a 5xx, a timeout, ``ok: false``).

What is left open, knowingly: a sender that dies (or pauses longer than ``claim_ttl``) *after*
Slack took the message and *before* ``mark_sent`` sends it again once the claim has run out;
Slack offers no idempotency key for chat.postMessage, so the choice is a rare duplicate over a
lost reminder. ``claim_ttl`` (default 5 minutes) is far longer than one Slack call.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from redis.asyncio import Redis

from bot.store.codec import as_str
from bot.store.errors import translates_redis_errors
from bot.store.keys import Keys
from bot.store.scripts import source

SENT = "sent"
CLAIM_PREFIX = "sending:"
DEFAULT_CLAIM_TTL = timedelta(minutes=5)


def _ms(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() * 1000))


@translates_redis_errors
class SendOnceLedger:
    def __init__(
        self, redis: Redis, keys: Keys, *, claim_ttl: timedelta = DEFAULT_CLAIM_TTL
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.claim_ttl = claim_ttl
        self._claim = redis.register_script(source("set_if_absent"))
        self._release = redis.register_script(source("compare_delete"))

    # the items ------------------------------------------------------------------------------
    def reminder(self, token_id: str, threshold: str, expiry: datetime) -> str:
        """A (token, threshold, expiry) reminder; a new expiry (extended) is a new item."""
        return self._keys.reminder_sent(token_id, threshold, str(int(expiry.timestamp())))

    def digest(self, channel: str, day: date) -> str:
        return self._keys.digest_sent(channel, day.isoformat())

    # the protocol ---------------------------------------------------------------------------
    async def claim(self, item: str, claimant: str) -> bool:
        """True when this claimant may send the item now (nobody sent it nor is sending it)."""
        args: list[str | int] = [CLAIM_PREFIX + claimant, _ms(self.claim_ttl)]
        return bool(await self._claim(keys=[item], args=args))

    async def mark_sent(self, item: str, keep: timedelta) -> None:
        """Slack took it: never again while the key lives (``keep``, at least a day)."""
        await self._redis.set(item, SENT, px=_ms(max(keep, timedelta(days=1))))

    async def release(self, item: str, claimant: str) -> bool:
        """Slack did not take it: due again at the next sweep. False if the claim was not ours."""
        return bool(await self._release(keys=[item], args=[CLAIM_PREFIX + claimant]))

    async def sent(self, item: str) -> bool:
        return await self.state(item) == SENT

    async def state(self, item: str) -> str | None:
        """``"sent"``, ``"sending:<claimant>"`` or None (for tests and diagnostics)."""
        value = await self._redis.get(item)
        return None if value is None else as_str(value)
