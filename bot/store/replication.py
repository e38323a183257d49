"""Acknowledged means replicated: a write a person is told about is on `replicas` replicas
first (`REDIS_MIN_REPLICAS_ACK`).

Redis replication is asynchronous: a master that dies a moment after answering takes the
writes its replica had not received with it, and Sentinel promotes that replica. ``WAIT n
timeout`` blocks until n replicas have everything this *connection* wrote (so it goes in the
same pipeline as the script, on the same connection) and answers how many did. Fewer than n
in time: `NotReplicated` (a `ServiceUnavailable`, worded by the Slack layer), and the person
tries again. That is safe because every script that writes the audit trail is idempotent
— a transition is guarded by state and carries an op id, a submission by its nonce — so a
retry after a write that did survive changes nothing, and one after a write that was lost
applies it once.

``WAIT`` is not strong consistency (the write stays on the master when it times out); it
makes "told" imply "on a replica", which is what a failover needs. One gap, knowingly left:
a call that writes nothing — a replay of an op id already applied, a quiet refusal such as a
double click — makes ``WAIT`` answer for this connection's earlier writes only, so a replay on
a fresh connection is confirmed at once even if the first call's write (made on another
connection) is still on its way to the replica. A person's own retry is a new op id and, when
it is refused, writes an audit entry, which ``WAIT`` then covers together with everything
before it in the replication stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bot.domain.errors import NotReplicated

# How long a write waits for its replicas before the person is told to try again: well inside
# Slack's 3 s (a modal submission is stored before its ack) and below the client's 1 s socket
# timeout (`bot.runtime.clients.redis_from`), or WAIT's own answer would be read as a timeout.
DEFAULT_TIMEOUT_MS = 500


@dataclass(frozen=True)
class Replication:
    replicas: int = 0
    timeout_ms: int = DEFAULT_TIMEOUT_MS


NO_WAIT = Replication()


class WaitedScript:
    """A Lua script called like `redis.commands.core.AsyncScript`; with
    ``replication.replicas > 0`` its call is followed by ``WAIT`` on the same connection."""

    def __init__(self, redis: Redis, source: str, replication: Replication = NO_WAIT) -> None:
        self._redis = redis
        self._script = redis.register_script(source)
        self.replication = replication

    async def __call__(self, keys: list[Any] | None = None, args: list[Any] | None = None) -> Any:
        wanted = self.replication.replicas
        if wanted <= 0:
            return await self._script(keys=keys, args=args)
        async with self._redis.pipeline(transaction=False) as pipe:
            # queued, not sent: the pipeline loads the script first if the server lacks it
            await self._script(keys=keys, args=args, client=pipe)
            pipe.wait(wanted, self.replication.timeout_ms)
            result, acked = await pipe.execute()
        if int(acked) < wanted:
            raise NotReplicated(
                "regbot's database did not confirm that change in time, so it may not have "
                "been kept. Please try again: trying again never does anything twice."
            )
        return result
