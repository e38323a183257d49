"""Benchmark 3: complete request -> approve -> collect flows per second, over HTTP.

Each flow is what people do: ``/regtoken request team-registry`` (the bot opens the modal),
submit it, an approver clicks Approve in the approvers' channel, the requester clicks
Collect in the DM, and the bot creates the token in IONOS and shows the password once.
Every step is a signed request to the real bot (its own process; a private redis-server
with ``appendfsync always``); the next step starts when the Slack stand-in has received
what the bot sends after its ack. The stand-ins answer at once; they run in this process,
beside the driver, because the driver reads what they received.

Reported: flows per second at bounded concurrency, ack latency during the run, Redis
commands per flow (``INFO commandstats`` deltas: commands run inside Lua scripts are
counted as well as the EVALSHA that ran them) and CPU time per flow, per process. After the
timed run, `MONITORED` more flows run under Redis ``MONITOR`` to split those commands into what
the bot sends (each one a round trip unless pipelined) and what runs inside its Lua scripts.

    python -m bench.flows [--quick] [--profile DIR]   # DIR/bot.txt
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as aioredis

from bench.children import Child, spawn_child_async
from bench.flow_steps import FlowDriver, FlowFailed, token_name
from bench.machine import add_loop_flag, load_line
from bench.slack_load import SignedPoster, new_session
from bench.stack import REGISTRY, SIGNING_SECRET, BotConfig, fake_ionos, fake_slack, run_bot
from bench.stack import stand_ins as serve_stand_ins
from bench.stats import Latencies
from bench.watch import watching
from bot.devtools.ionos import FakeIonos
from bot.devtools.redis_server import running_redis
from bot.devtools.slack import FakeSlack, hooks_url

WARM_UP = 3  # flows before the timed run: connections, caches, Lua scripts loaded
TOP = 8  # Redis commands named in the summary
MONITORED = 20  # flows after the timed run whose commands are split: sent by the bot / in Lua


@dataclass(frozen=True)
class Plan:
    flows: int
    concurrency: int


FULL = Plan(flows=1000, concurrency=20)
QUICK = Plan(flows=20, concurrency=5)


@dataclass(frozen=True)
class Result:
    flows: int
    failures: Counter[str]
    seconds: float
    flow_times: Latencies
    acks: dict[str, Latencies]
    redis_calls: Counter[str]
    bot_cpu: float
    driver_cpu: float
    tokens_made: int
    sent: Counter[str]  # per MONITORED flows: commands the bot sent
    in_lua: Counter[str]  # per MONITORED flows: commands run inside Lua scripts


async def command_calls(redis: aioredis.Redis) -> Counter[str]:
    stats = await redis.info("commandstats")
    calls = Counter({k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items()})
    del calls["info"]  # ours
    return calls


async def split_calls(
    redis: aioredis.Redis, driver: FlowDriver, indices: range
) -> tuple[Counter[str], Counter[str]]:
    """Run `indices` one at a time under MONITOR: (commands the bot sent, commands in Lua)."""
    sent: Counter[str] = Counter()
    in_lua: Counter[str] = Counter()
    async with redis.monitor() as monitor:

        async def listen() -> None:
            async for entry in monitor.listen():
                name = entry["command"].split(" ", 1)[0].lower()
                (in_lua if entry["client_type"] == "lua" else sent)[name] += 1

        listener = asyncio.create_task(listen())
        try:
            await timed_flows(driver, indices, 1)
            await redis.ping()  # a marker: MONITOR shows it after everything the flows sent
            await asyncio.sleep(0.2)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
    sent["ping"] -= 1
    return +sent, +in_lua


async def timed_flows(
    driver: FlowDriver, indices: range, concurrency: int
) -> tuple[list[float], Counter[str]]:
    durations: list[float] = []
    failures: Counter[str] = Counter()
    queue = iter(indices)

    async def worker() -> None:
        for index in queue:
            started = time.perf_counter()
            try:
                await driver.flow(index)
            except FlowFailed as failed:
                failures[failed.step] += 1
                if sum(failures.values()) <= 3:
                    print(f"  flow {index} failed at {failed}", flush=True)
            else:
                durations.append(time.perf_counter() - started)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return durations, failures


async def measure(
    plan: Plan,
    slack: FakeSlack,
    ionos: FakeIonos,
    profile: Path | None,
    fsync: str,
    event_loop: str = "uvloop",
) -> Result:
    """Private Redis, the stand-ins served by this loop, the bot in its own process."""
    with running_redis() as redis_server, tempfile.TemporaryDirectory(prefix="regbot-") as tmp:
        redis = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
        try:
            await redis.config_set("appendfsync", fsync)
            async with serve_stand_ins(slack, ionos) as (slack_url, ionos_url):
                config = BotConfig(
                    slack_url=slack_url,
                    ionos_url=ionos_url,
                    redis_url=redis_server.url,
                    log_path=str(Path(tmp) / "bot.log"),
                    profile_path=str(profile / "bot.txt") if profile else None,
                    event_loop=event_loop,
                )
                async with (
                    spawn_child_async("bot", run_bot, config) as bot,
                    new_session(plan.concurrency) as session,
                    watching(slack) as watcher,
                ):
                    registry_id = ionos.registries()[0].id
                    hooks = hooks_url(slack_url)
                    poster = SignedPoster(bot.url, SIGNING_SECRET, session)
                    driver = FlowDriver(poster, watcher, slack, hooks, registry_id)
                    await timed_flows(driver, range(WARM_UP), 1)
                    driver.acks.clear()
                    return await _timed(plan, driver, bot, redis, ionos, registry_id)
        finally:
            await redis.aclose()


async def _timed(
    plan: Plan,
    driver: FlowDriver,
    bot: Child,
    redis: aioredis.Redis,
    ionos: FakeIonos,
    registry_id: str,
) -> Result:
    calls_before = await command_calls(redis)
    bot_cpu, driver_cpu = bot.cpu_seconds(), time.process_time()
    bot.ask("profile_start")
    started = time.perf_counter()
    durations, failures = await timed_flows(
        driver, range(WARM_UP, WARM_UP + plan.flows), plan.concurrency
    )
    seconds = time.perf_counter() - started
    bot_cpu, driver_cpu = bot.cpu_seconds() - bot_cpu, time.process_time() - driver_cpu
    bot.ask("profile_stop", timeout=300)  # rendering a long profile is slow
    calls = await command_calls(redis)
    calls.subtract(calls_before)
    end = WARM_UP + plan.flows
    sent, in_lua = await split_calls(redis, driver, range(end, end + MONITORED))
    names = {token_name(i) for i in range(WARM_UP, WARM_UP + plan.flows)}
    made = sum(1 for t in ionos.tokens(registry_id) if t.name in names)
    return Result(
        flows=len(durations),
        failures=failures,
        seconds=seconds,
        flow_times=Latencies.of(durations),
        acks={step: Latencies.of(times) for step, times in driver.acks.items()},
        redis_calls=+calls,
        bot_cpu=bot_cpu,
        driver_cpu=driver_cpu,
        tokens_made=made,
        sent=sent,
        in_lua=in_lua,
    )


def summary(plan: Plan, r: Result) -> list[str]:
    all_acks = Latencies.of(list(itertools.chain.from_iterable(a.samples for a in r.acks.values())))
    per_step = " ".join(f"{step}_p99={acks.p99:.1f}" for step, acks in r.acks.items())
    total_calls = sum(r.redis_calls.values())
    done = max(r.flows, 1)
    top = " ".join(f"{name}={n / done:.1f}" for name, n in r.redis_calls.most_common(TOP))
    every = " ".join(f"{name}={n / done:.2f}" for name, n in r.redis_calls.most_common())
    failed = sum(r.failures.values())
    return [
        f"flows: {r.flows}/{plan.flows} complete in {r.seconds:.1f} s = "
        f"{r.flows / r.seconds:.1f} flows/s ({plan.concurrency} at a time) failed={failed} "
        f"{dict(r.failures) if failed else ''}tokens_made={r.tokens_made} "
        f"flow p50={r.flow_times.p50:.0f} ms p99={r.flow_times.p99:.0f} ms",
        f"acks during flows: {all_acks.line()} ({per_step} ms)",
        f"redis per flow: {total_calls / done:.1f} commands; top: {top}",
        f"redis commands per flow, all: {every}",
        f"redis per flow, split over {MONITORED} monitored flows: bot sent "
        f"{sum(r.sent.values()) / MONITORED:.1f} ({_per(r.sent, MONITORED)}); inside Lua "
        f"{sum(r.in_lua.values()) / MONITORED:.1f} ({_per(r.in_lua, MONITORED)})",
        f"cpu per flow: bot={1000 * r.bot_cpu / done:.1f} ms "
        f"driver+stand-ins={1000 * r.driver_cpu / done:.1f} ms",
    ]


def _per(calls: Counter[str], flows: int) -> str:
    return " ".join(f"{name}={n / flows:.2f}" for name, n in calls.most_common())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flows", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small N, for the smoke test")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="profile the bot over the timed flows with pyinstrument: DIR/bot.txt",
    )
    parser.add_argument(
        "--appendfsync",
        choices=("always", "everysec", "no"),
        default="always",
        help="Redis AOF fsync policy (default: always, as the tests run it)",
    )
    add_loop_flag(parser)
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    print(
        f"flows: {plan.flows} request -> approve -> collect flows on {REGISTRY}, "
        f"{plan.concurrency} at a time, zero-latency stand-ins, "
        f"real Redis (appendfsync {args.appendfsync})",
        flush=True,
    )
    slack = fake_slack(requesters=WARM_UP + plan.flows + MONITORED)
    ionos = fake_ionos(latency=0.0, seed_tokens=0)
    profile = args.profile.resolve() if args.profile else None
    if profile:
        profile.mkdir(parents=True, exist_ok=True)
    print(load_line("at the start"), flush=True)
    result = asyncio.run(measure(plan, slack, ionos, profile, args.appendfsync, args.event_loop))
    print(load_line("at the end"), flush=True)
    for line in summary(plan, result):
        print(line, flush=True)
    return 0 if not result.failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
