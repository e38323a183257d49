"""The bot's Redis client behind Sentinel (`REDIS_SENTINELS`, `REDIS_SENTINEL_MASTER`), on a real
master, replica and three sentinels: `regbot check-config` names the master and the replicas;
after a SIGKILL of the master the same client reaches the new master by itself; a wrong
combination of settings fails in one line."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from redis.exceptions import RedisError

from bot.devtools.redis_server import free_port
from bot.devtools.slack import FakeSlack, serve_fake_slack
from bot.runtime.check_config import run_checks
from bot.runtime.check_redis import check_redis
from bot.runtime.clients import redis_from
from bot.runtime.redis_settings import RedisSettings
from bot.runtime.settings import Settings, SettingsError, load_settings
from tests.reliability.sentinels import MASTER_NAME, SentinelGroup, sentinel_group
from tests.serving import BOT_TOKEN, SIGNING_SECRET, write_policy

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def group() -> Iterator[SentinelGroup]:
    with sentinel_group() as started:
        yield started


def sentinel_settings(group: SentinelGroup) -> RedisSettings:
    return RedisSettings(redis_sentinels=group.sentinels_env, redis_sentinel_master=MASTER_NAME)


async def test_check_config_names_the_master_and_its_replica(
    group: SentinelGroup, tmp_path: Path, fake_slack: FakeSlack
) -> None:
    async with serve_fake_slack(fake_slack) as slack_url:
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack_url,
            ionos_token="t",
            ionos_api_url="http://127.0.0.1:9/",
            regbot_policy=write_policy(tmp_path),
            redis_sentinels=group.sentinels_env,
            redis_sentinel_master=MASTER_NAME,
        )
        checks = {c.name: c for c in await run_checks(settings)}
    master = group.master_port()
    replica = next(s.port for s in group.servers if s.port != master)
    line = checks["redis"].line
    assert line.startswith(
        f"ok   redis: PONG, master 127.0.0.1:{master} (named by the sentinels of {MASTER_NAME}), "
        f"1 replica online (127.0.0.1:{replica}), 1 known to the sentinels, 3 sentinels configured"
    ), line
    assert "every change waits for 1 (REDIS_MIN_REPLICAS_ACK)" in line


async def test_too_few_replicas_for_the_acknowledgement_fails_the_check(
    group: SentinelGroup,
) -> None:
    settings = sentinel_settings(group).model_copy(update={"redis_min_replicas_ack": 2})
    check = await check_redis(settings)
    assert check.status == "FAIL"
    assert "REDIS_MIN_REPLICAS_ACK=2 needs 2 online" in check.line


async def test_unreachable_sentinels_fail_the_check_without_showing_a_password() -> None:
    nowhere = f"127.0.0.1:{free_port()},127.0.0.1:{free_port()}"
    settings = RedisSettings(
        redis_sentinels=nowhere,
        redis_sentinel_master=MASTER_NAME,
        redis_password=SecretStr("s3cret-redis-pass"),
        redis_sentinel_password=SecretStr("s3cret-sentinel-pass"),
    )
    check = await check_redis(settings)
    assert check.line == (
        f"FAIL redis: cannot use master {MASTER_NAME} via sentinels {nowhere} (MasterNotFoundError)"
    )
    assert "s3cret" not in check.line


def test_wrong_combinations_fail_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "IONOS_TOKEN": "t",
    }.items():
        monkeypatch.setenv(name, value)
    cases = {
        ("127.0.0.1:26379", ""): "REDIS_SENTINELS needs REDIS_SENTINEL_MASTER (the master's name)",
        ("", "mymaster"): "REDIS_SENTINEL_MASTER needs REDIS_SENTINELS (host:port,...)",
        ("127.0.0.1", "m"): "REDIS_SENTINELS: '127.0.0.1' is not host:port (e.g. 10.0.0.5:26379)",
    }
    for (sentinels, master), expected in cases.items():
        monkeypatch.setenv("REDIS_SENTINELS", sentinels)
        monkeypatch.setenv("REDIS_SENTINEL_MASTER", master)
        with pytest.raises(SettingsError) as wrong:
            load_settings()
        assert str(wrong.value) == expected
    monkeypatch.setenv("REDIS_SENTINELS", "a:1, b:2")
    loaded = load_settings()
    assert loaded.sentinels == [("a", 1), ("b", 2)] and loaded.replicas_ack == 1
    monkeypatch.delenv("REDIS_SENTINELS")
    monkeypatch.delenv("REDIS_SENTINEL_MASTER")
    assert load_settings().replicas_ack == 0


async def test_after_a_failover_the_same_client_reaches_the_new_master(
    group: SentinelGroup,
) -> None:
    """Last in this module: it moves the master."""
    client = redis_from(sentinel_settings(group))
    try:
        await client.set("before", "1")
        async with client.pipeline(transaction=False) as pipe:
            pipe.set("acknowledged", "yes")
            pipe.wait(1, 1000)
            assert (await pipe.execute())[1] == 1
        old = group.master_port()
        killed = group.kill_master()
        failures = 0
        async with asyncio.timeout(60):
            while True:  # what a replica's requests see meanwhile: errors, then service
                try:
                    await client.set("after", "1")
                    break
                except RedisError:
                    failures += 1
                    await asyncio.sleep(0.1)
        assert group.master_port() != old
        assert failures > 0  # the switch was seen, and got over without a new client
        assert await client.get("acknowledged") == "yes"  # WAIT-confirmed: survived
        group.restart(killed)  # back, and turned into the new master's replica
        await asyncio.to_thread(group.wait_until_replicated)
    finally:
        await client.aclose()
