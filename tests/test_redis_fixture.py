from __future__ import annotations

import redis.asyncio as aioredis

from bot.store.keys import Keys


async def test_private_redis_server_answers_and_persists(redis: aioredis.Redis, keys: Keys) -> None:
    await redis.set(keys.lock("probe"), "1")
    assert await redis.get(keys.lock("probe")) == "1"
    config = await redis.config_get("appendonly")
    assert config["appendonly"] == "yes"


def test_every_key_shares_one_hash_tag(keys: Keys) -> None:
    built = [
        keys.request("r1"),
        keys.request_approvals("r1"),
        keys.submission("n"),
        keys.pending_index(),
        keys.user_requests("U1"),
        keys.audit_stream(),
        keys.audit_head(),
        keys.token_owner("t"),
        keys.user_tokens("U1"),
        keys.reminder_sent("t", "1d", "x"),
        keys.lock("sweep"),
        keys.usergroup_members("S1"),
    ]
    tag = "{" + keys.namespace + "}"
    assert all(k.startswith(tag + ":") for k in built)
