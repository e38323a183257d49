"""Benchmark 1: how fast Slack gets its ack while the bot's work waits on a slow IONOS.

N signed ``/regtoken list team-registry`` commands (each needs an IONOS call after the ack)
go out in waves of c simultaneous requests to the real bot, whose IONOS stand-in answers
after 2 s; the same waves go to a bare Bolt app on the same server stack whose only listener
acks (the floor). Reported per c: ack p50/p99/max, acks over 3 s, and p99 ÷ floor p99.
Target: p99 within 1.5x the floor and no ack over 3 s.

Four processes share the machine: this load generator, the bot, the floor app and the
stand-ins (Slack + IONOS), plus a private redis-server. The generator runs alone in its
process so its own work never delays the acks it times. The bot's post-ack work (the IONOS
call, the reply to the response URL) keeps running after the last ack; the next run starts
only when every reply has reached the Slack stand-in.

    python -m bench.ack_latency [--quick] [--profile DIR]   # DIR/bot.txt, DIR/floor.txt
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.children import Child, spawn_child
from bench.machine import add_loop_flag, load_line
from bench.slack_load import SignedPoster, command, new_session
from bench.stack import (
    APPROVER,
    REGISTRY,
    SIGNING_SECRET,
    BotConfig,
    FloorConfig,
    LogTail,
    StandInsConfig,
    run_bot,
    run_floor,
    run_stand_ins,
)
from bench.stats import Latencies
from bot.devtools.redis_server import running_redis
from bot.devtools.slack import hooks_url

TARGET_RATIO = 1.3  # issue #17: ack p99 <= 1.3 x the bare-Bolt floor (the first target was 1.5)
DRAIN_LIMIT = 90.0  # seconds; the IONOS client gives up on a call after 30 s


@dataclass(frozen=True)
class Plan:
    levels: tuple[int, ...]
    total: int  # commands per level and target
    ionos_latency: float
    seed_tokens: int


FULL = Plan(levels=(50, 200), total=1000, ionos_latency=2.0, seed_tokens=20)
QUICK = Plan(levels=(10, 20), total=40, ionos_latency=0.2, seed_tokens=5)


@dataclass(frozen=True)
class Burst:
    acks: Latencies
    errors: int  # non-200 answers
    cpu: float  # CPU seconds the server process used over the whole run of waves


class Target:
    """One server under load: its poster, its acks, its CPU use."""

    def __init__(self, child: Child, session: aiohttp.ClientSession, hooks: str) -> None:
        self.child = child
        self.hooks = hooks
        self.poster = SignedPoster(child.url, SIGNING_SECRET, session)
        self.errors = 0
        self._cpu = 0.0

    async def wave(self, size: int, text: str) -> None:
        bodies = [command(text, user=APPROVER, hooks=self.hooks) for _ in range(size)]
        acks = await asyncio.gather(*(self.poster.post(body) for body in bodies))
        self.errors += sum(ack.status != 200 for ack in acks)

    def start(self) -> None:
        self.poster.latencies.clear()
        self.errors = 0
        self._cpu = self.child.cpu_seconds()

    def result(self) -> Burst:
        cpu = self.child.cpu_seconds() - self._cpu
        return Burst(Latencies.of(self.poster.latencies), self.errors, cpu)


async def side_by_side(
    floor: Child, bot: Child, hooks: str, concurrency: int, total: int, text: str
) -> tuple[Burst, Burst]:
    """``total`` commands to each server in waves of ``concurrency`` sent at once, the two
    servers' waves alternating (so both see the same background load on the machine)."""
    async with new_session(concurrency) as floor_session, new_session(concurrency) as session:
        targets = [Target(floor, floor_session, hooks), Target(bot, session, hooks)]
        for target in targets:  # warm-up: open the connections; not timed
            await target.wave(concurrency, "help")
            target.start()
        for child in (floor, bot):
            child.ask("profile_start")  # a no-op unless --profile
        for index, first in enumerate(range(0, total, concurrency)):
            for target in targets if index % 2 == 0 else reversed(targets):
                await target.wave(min(concurrency, total - first), text)
        for child in (floor, bot):
            child.ask("profile_stop", timeout=300)  # rendering a long profile is slow
        return targets[0].result(), targets[1].result()


async def drained(stand_ins: Child, replies: int) -> float:
    """Wait until the Slack stand-in holds ``replies`` replies; seconds waited."""
    started = time.perf_counter()
    while stand_ins.ask("replies")["replies"] < replies:
        if time.perf_counter() - started > DRAIN_LIMIT:
            raise TimeoutError(f"the bot's replies did not all arrive within {DRAIN_LIMIT:g} s")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def drive(
    plan: Plan, stand_ins: Child, bot: Child, floor: Child, bot_log: LogTail
) -> list[str]:
    hooks = hooks_url(stand_ins.url)
    text = f"list {REGISTRY}"
    lines: list[str] = []
    for c in plan.levels:
        before = stand_ins.ask("replies")
        ionos_before = stand_ins.ask("ionos_calls")
        slack_before = stand_ins.ask("slack_methods")
        base, measured = await side_by_side(floor, bot, hooks, c, plan.total, text)
        expected = before["replies"] + c + plan.total  # the bot answers the warm-up too
        drain = await drained(stand_ins, expected)
        listings = stand_ins.ask("replies")["listings"] - before["listings"]
        ionos_calls = stand_ins.ask("ionos_calls") - ionos_before
        slack_calls = stand_ins.ask("slack_methods") - slack_before
        slack_calls.pop("response_url", None)  # the replies, counted above
        ratio = measured.acks.p99 / base.acks.p99
        met = ratio <= TARGET_RATIO and measured.acks.over_limit == 0 and not measured.errors
        lines += [
            f"floor c={c}: {base.acks.line()} errors={base.errors} "
            f"cpu={1000 * base.cpu / plan.total:.2f} ms/ack",
            f"ack c={c}: {measured.acks.line()} errors={measured.errors} "
            f"floor_p99={base.acks.p99:.1f} ms ratio={ratio:.2f} "
            f"target=ratio<={TARGET_RATIO} and over3s=0: {'met' if met else 'MISSED'}",
            f"after-ack c={c}: replies={plan.total} listings={listings} "
            f"ionos_calls={ionos_calls} slack_calls={dict(slack_calls)} "
            f"drained {drain:.1f} s after the last ack "
            f"bot_cpu={1000 * measured.cpu / plan.total:.2f} ms/command (during the waves)",
        ]
        for line in lines[-3:]:
            print(line, flush=True)
        print(f"  {bot_log.summary()}", flush=True)
    return lines


def run(plan: Plan, profile: Path | None, event_loop: str = "uvloop") -> list[str]:
    """``profile``: a directory for pyinstrument reports of the bot and the floor."""
    with (
        running_redis() as redis,
        tempfile.TemporaryDirectory(prefix="regbot-bench-") as tmp,
        spawn_child(
            "stand-ins", run_stand_ins, StandInsConfig(plan.ionos_latency, plan.seed_tokens)
        ) as stand_ins,
    ):
        bot_config = BotConfig(
            slack_url=stand_ins.url,
            ionos_url=stand_ins.ask("ionos_url"),
            redis_url=redis.url,
            log_path=str(Path(tmp) / "bot.log"),
            profile_path=str(profile / "bot.txt") if profile else None,
            event_loop=event_loop,
        )
        with (
            spawn_child("bot", run_bot, bot_config) as bot,
            spawn_child(
                "floor",
                run_floor,
                FloorConfig(
                    stand_ins.url, str(profile / "floor.txt") if profile else None, event_loop
                ),
            ) as floor,
        ):
            stand_ins.ask("slow")  # the bot has loaded its registry list; now IONOS is slow
            bot_log = LogTail(Path(bot_config.log_path))
            return asyncio.run(drive(plan, stand_ins, bot, floor, bot_log))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ack_latency", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small N, for the smoke test")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="profile the timed waves with pyinstrument: DIR/bot.txt and DIR/floor.txt",
    )
    add_loop_flag(parser)
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.profile:
        args.profile = args.profile.resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    print(
        f"ack latency: {plan.total} x '/regtoken list {REGISTRY}' per level, waves of "
        f"{'/'.join(map(str, plan.levels))}, IONOS stand-in answering after "
        f"{plan.ionos_latency:g} s, {plan.seed_tokens} tokens in the registry",
        flush=True,
    )
    print(load_line("at the start"), flush=True)
    started = time.perf_counter()
    run(plan, args.profile, args.event_loop)
    print(load_line("at the end"), flush=True)
    print(f"ack latency: done in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
