"""Replicas sharing work and one IONOS budget, in real processes.

- A replica SIGKILLed in the middle of its sweep: its lock runs out and the next replica's
  sweep takes over; no reminder goes out twice. Reminders the dead one had claimed but not
  sent stay claimed until their claim's ttl runs out (`bot.store.reminders`), then go out.
- ``IONOS_RATE_PER_SECOND`` is one budget for all replicas: three `regbot serve` processes
  listing a registry at once, through a round-robin proxy, together stay within the rate at
  the IONOS stand-in (counted per second there).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import yaml

from bot.devtools.ionos import FakeIonos, serve_fake_ionos
from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack, hooks_url, serve_fake_slack
from bot.devtools.slack_driver import SlackDriver
from bot.store.reminders import CLAIM_PREFIX
from tests.reliability.replicas import RoundRobin, start_replicas
from tests.reminders.test_processes import finish, staged
from tests.reminders.world import SCOPES
from tests.scenario.harness import policy_mapping
from tests.serving import SIGNING_SECRET, bot_env
from tests.slack_fixtures import APPROVER_1

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

RATE = 5.0
LISTINGS = 12  # four per replica: 12 GETs each, 2.4 s alone at RATE, 36 GETs in all


async def test_a_replica_killed_mid_sweep_hands_the_sweep_to_another(
    redis_server: RedisServer, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with staged(redis_server, fake_slack, tmp_path, registries=24) as stage:
        stage.ionos.knobs.latency = 0.2  # the leader's sweep takes a few seconds
        leader = await stage.start_sweep(lock_ttl=1.0)
        async with asyncio.timeout(30):  # it holds the lock and has started sending
            while stage.delivered() == 0:
                await asyncio.sleep(0.01)
        leader.kill()
        await leader.wait()
        by_the_leader = stage.delivered()
        assert by_the_leader < 24, "the leader finished before it could be killed"
        async with asyncio.timeout(10):  # nobody renews the dead leader's lock
            while await stage.redis.exists(stage.keys.lock("sweep")):
                await asyncio.sleep(0.02)

        follower = await stage.start_sweep(lock_ttl=30)
        code, out = await finish(follower)
        assert code == 0 and out["swept"] and not out["lock_lost"], out

        claimed_by_the_dead: list[str] = []
        async for key in stage.redis.scan_iter(match=f"{{{stage.keys.namespace}}}:remind:*"):
            if str(await stage.redis.get(key)).startswith(CLAIM_PREFIX):
                claimed_by_the_dead.append(key)

    assert int(out["reminders_sent"]) > 0  # the follower did the rest
    for owner in stage.tokens:
        assert len(stage.reminders_to(owner)) <= 1, owner
    # none lost: each one not sent was in flight when the leader died, and stays claimed
    # until the claim's ttl runs out (then the next sweep sends it)
    missing = [o for o in stage.tokens if not stage.reminders_to(o)]
    claimed = " ".join(claimed_by_the_dead)
    assert all(stage.tokens[o].id in claimed for o in missing), (missing, claimed)
    assert len(missing) <= len(claimed_by_the_dead)


def _ionos_gets(text: str) -> int:
    found = re.findall(
        r'regbot_ionos_request_duration_seconds_count\{method="GET",status="200"\} (\S+)', text
    )
    return int(float(found[0])) if found else 0


async def _metrics(session: aiohttp.ClientSession, urls: list[str]) -> list[int]:
    counts = []
    for url in urls:
        async with session.get(f"{url}/metrics") as answer:
            counts.append(_ionos_gets(await answer.text()))
    return counts


@pytest.mark.timeout(180)
async def test_three_replicas_share_one_ionos_rate(
    redis_server: RedisServer, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    ionos = FakeIonos()
    expiry = datetime.now(UTC) + timedelta(days=60)
    for r in range(LISTINGS):  # a registry per listing, so no replica can share a walk
        registry = ionos.add_registry(f"reg-{r:02d}", location="de/fra")
        for i in range(201):  # three pages of 100: three GETs per listing
            ionos.add_token(registry.id, f"ci-{i:03d}", expiry=expiry, scopes=SCOPES)
    policy = tmp_path / "policy.yml"
    policy.write_text(yaml.safe_dump(policy_mapping()), encoding="utf-8")
    async with serve_fake_ionos(ionos) as ionos_url, serve_fake_slack(fake_slack) as slack_url:
        env = bot_env(
            slack_url=slack_url,
            ionos_url=ionos_url,
            redis_url=redis_server.url,
            policy=policy,
            port=0,
            ionos_rate_per_second=str(RATE),
            log_level="WARNING",
        )
        replicas = await start_replicas(3, env, tmp_path)
        proxy = await RoundRobin(replicas.urls).start()
        driver = SlackDriver(proxy.url, SIGNING_SECRET, hooks_url=hooks_url(slack_url))
        try:
            async with aiohttp.ClientSession() as session:
                before = await _metrics(session, replicas.urls)
                began = len(ionos.requests)
                replies = await asyncio.gather(
                    *(
                        driver.command(f"list reg-{r:02d}", user_id=APPROVER_1)
                        for r in range(LISTINGS)
                    )
                )
                assert all(r.status == 200 for r in replies)
                async with asyncio.timeout(120):
                    while len(fake_slack.calls_to("response_url")) < LISTINGS:
                        await asyncio.sleep(0.05)
                after = await _metrics(session, replicas.urls)
        except BaseException:
            print(replicas.output())
            raise
        finally:
            await driver.aclose()
            await proxy.aclose()
            await replicas.stop()

    answers = [str(c.payload) for c in fake_slack.calls_to("response_url")]
    assert all("ci-000" in a for a in answers[:LISTINGS]), answers[0][:500]
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)  # all three
    starts = sorted(r.at for r in ionos.requests[began:])
    assert len(starts) >= 3 * LISTINGS  # three pages per listing
    busiest = max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts)
    # one shared pace: at most RATE starts in any second (+1: a window opening on a start)
    assert busiest <= RATE + 1, busiest
    print(
        "SHARED RATE",
        {
            "calls": len(starts),
            "busiest_second": busiest,
            "per_replica": [a - b for a, b in zip(after, before, strict=True)],
        },
    )
