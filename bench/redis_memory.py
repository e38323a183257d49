"""How much Redis memory regbot needs: per token and per request, so an operator can size one
primary (and see that Redis Cluster is not needed).

A private redis-server (append-only, as regbot runs it); N requests are taken through the whole
life of a collected token with the real stores — created, approved, claimed, completed (the
ownership record and five audit entries) — and ``INFO memory`` ``used_memory`` is read before
and after, together with ``MEMORY USAGE`` of sample keys.

    python -m bench.redis_memory [--n 5000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

from bot.devtools.redis_server import running_redis
from bot.domain.models import Action, RepoScope, RequestState, TokenAsk, TokenRequest
from bot.store.keys import Keys
from bot.store.ownership import OwnershipStore
from bot.store.requests import RequestStore

STALE = timedelta(minutes=15)


def _request(i: int, now: datetime) -> TokenRequest:
    ask = TokenAsk(
        registry_id=str(uuid.uuid4()),
        registry_name="team-registry",
        token_name=f"ci-push-{i:06d}",
        scopes=[RepoScope(repository="team/app", actions=frozenset({Action.PULL, Action.PUSH}))],
        expiry=now + timedelta(days=30),
        reason="CI pipeline of team/app pushes release images",
    )
    return TokenRequest(
        id=uuid.uuid4().hex,
        state=RequestState.PENDING,
        requester=f"U{i % 500:08d}",
        ask=ask,
        created_at=now,
        quorum=1,
        approval_channel="CAPPROVALS",
    )


async def _used(redis: aioredis.Redis) -> int:
    return int((await redis.info("memory"))["used_memory"])


async def measure(n: int) -> dict[str, object]:
    with running_redis() as server:
        redis = aioredis.Redis.from_url(server.url, decode_responses=True)
        keys = Keys(namespace="regbot")
        store, ownership = RequestStore(redis, keys), OwnershipStore(redis, keys)
        now = datetime.now(UTC)
        before = await _used(redis)
        token_id = ""
        request_id = ""
        for i in range(n):
            request = _request(i, now)
            await store.create(request, nonce=uuid.uuid4().hex, ttl=timedelta(days=3))
            op = uuid.uuid4().hex
            await store.approve(request.id, actor="UAPPROVER", at=now, op_id=op)
            await store.claim(
                request.id, actor=request.requester, at=now, stale_after=STALE, op_id=op + "c"
            )
            token_id = str(uuid.uuid4())
            await store.complete(
                request.id,
                actor=request.requester,
                at=now,
                token_id=token_id,
                token_name=request.ask.token_name,
                op_id=op + "d",
            )
            await ownership.keep_until(token_id, request.ask.expiry)
            request_id = request.id
        after = await _used(redis)
        sample = {
            "request_hash": await redis.memory_usage(keys.request(request_id)),
            "approvals_zset": await redis.memory_usage(keys.request_approvals(request_id)),
            "token_owner_hash": await redis.memory_usage(keys.token_owner(token_id)),
            "audit_stream_per_entry": round(
                (await redis.memory_usage(keys.audit_stream()) or 0)
                / max(1, await redis.xlen(keys.audit_stream())),
                1,
            ),
            "submission_nonce": await redis.memory_usage(
                next(iter([k async for k in redis.scan_iter(match="*:submit:*", count=1000)]))
            ),
        }
        await redis.aclose()
    return {
        "n_collected_requests": n,
        "used_memory_delta_bytes": after - before,
        "bytes_per_collected_request_and_token": round((after - before) / n),
        "memory_usage_samples_bytes": sample,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.redis_memory", description=__doc__)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="n = 500")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(measure(500 if args.quick else args.n)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
