"""The sweeping process of the sweep benchmark: the real bot, asked to sweep, measuring itself.

`run_sweeper` is a child-process entry point (see `bench.children`). The bot is built exactly
as production builds it (`bot.runtime.wiring.assemble`), against the stand-ins and the Redis the
parent serves; its logs (INFO, JSON) go to a file. The parent asks, in turn:

* ``prepare`` — a fresh bot on a fresh Redis namespace (so no reminder or digest of an earlier
  sweep counts as sent), the owners recorded, one IONOS call and one Redis PING to open the
  connections. Nothing of this is timed.
* ``sweep`` — one `ReminderService.sweep`, timed, with the process's peak RSS over the sweep
  alone: the kernel's high-water mark (``VmHWM``) is reset first (``/proc/self/clear_refs``).
* ``traced_sweep`` — the same sweep under `tracemalloc`: the peak of what it allocated on top
  of what was there. Tracing slows Python down, so its wall time is not reported.
* ``walk`` — only the IONOS calls of a sweep (`Sweeper.walk`), timed: the client's own floor.

Measuring inside the sweeping process keeps the stand-ins' memory (which holds every token)
and the parent's CPU out of the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import resource
import time
import tracemalloc
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp

from bench.children import serve_queries
from bench.stack import BOT_TOKEN, IONOS_TOKEN, SIGNING_SECRET, Profiling, policy_mapping
from bot.policy.model import Policy
from bot.runtime.heap import freeze_startup_heap
from bot.runtime.logs import configure_logging
from bot.runtime.loop import run
from bot.runtime.settings import Settings
from bot.runtime.wiring import Bot, assemble
from bot.store.ownership import OwnershipStore, TokenOwnership

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")
SCHEDSTAT = Path("/proc/thread-self/schedstat")  # the event loop's thread


@dataclass(frozen=True)
class Owned:
    token_id: str
    owner: str
    registry_id: str
    registry_name: str
    token_name: str


@dataclass(frozen=True)
class SweeperConfig:
    slack_url: str
    ionos_url: str
    redis_url: str
    max_in_flight: int
    rate_per_second: float | None
    owners: tuple[Owned, ...]
    log_path: str
    profile_path: str | None = None
    event_loop: str = "uvloop"


@dataclass(frozen=True)
class SweepFigures:
    """What one sweep cost, as the sweeping process saw it."""

    wall: float  # seconds
    cpu: float  # CPU seconds of this process during the sweep
    runnable_wait: float  # seconds the loop's thread was ready to run but had no core
    rss_before: int  # bytes, just before the sweep
    rss_peak: int  # bytes, the high-water mark during the sweep (0: not measured)
    traced_peak: int  # bytes allocated at the peak on top of the start (0: not traced)
    report: dict[str, object]


def sweep_policy() -> Policy:
    """The benchmarks' policy, with the daily digest due at every hour: each measured sweep
    is the day's heaviest, the one that looks up every token's owner for the digest."""
    mapping = policy_mapping() | {"reminders": {"digest_hour_utc": 0}}
    return Policy.from_mapping(mapping)


def runnable_waited() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (``schedstat``, field 2):
    what the neighbours on a shared machine took from the sweep. 0.0 where not available."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(SCHEDSTAT.read_text().split()[1]) / 1e9
    return 0.0


def _status_kb(field: str) -> int | None:
    with contextlib.suppress(OSError):
        found = re.search(rf"^{field}:\s+(\d+) kB", STATUS.read_text(), flags=re.MULTILINE)
        if found:
            return int(found.group(1))
    return None


def rss_now() -> int:
    return 1024 * (_status_kb("VmRSS") or 0)


def reset_rss_peak() -> bool:
    """Reset the kernel's RSS high-water mark of this process (Linux >= 4.0)."""
    try:
        CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def rss_peak() -> int:
    """``VmHWM``; without /proc, the lifetime maximum from getrusage (kB on Linux)."""
    peak = _status_kb("VmHWM")
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return 1024 * peak


class Sweeper:
    def __init__(self, config: SweeperConfig) -> None:
        self._config = config
        self._policy = sweep_policy()
        self._bot: Bot | None = None
        self._stack = contextlib.AsyncExitStack()
        self._profiling = Profiling(config.profile_path)

    async def aclose(self) -> None:
        await self._stack.aclose()

    async def prepare(self) -> str:
        await self._stack.aclose()
        self._stack = contextlib.AsyncExitStack()
        namespace = f"bench-sweep-{uuid.uuid4().hex[:8]}"
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=self._config.slack_url,
            ionos_token=IONOS_TOKEN,
            ionos_api_url=self._config.ionos_url,
            ionos_max_in_flight=self._config.max_in_flight,
            ionos_rate_per_second=self._config.rate_per_second,
            redis_url=self._config.redis_url,
            regbot_namespace=namespace,
        )
        bot = await self._stack.enter_async_context(assemble(settings, self._policy))
        ownership = OwnershipStore(bot.redis, bot.keys)
        recorded = datetime.now(UTC)
        for owned in self._config.owners:
            await ownership.record(
                TokenOwnership(
                    token_id=owned.token_id,
                    owner=owned.owner,
                    registry_id=owned.registry_id,
                    registry_name=owned.registry_name,
                    token_name=owned.token_name,
                    request_id=f"bench-{owned.token_name}",
                    created_at=recorded,
                )
            )
        await bot.redis.ping()
        await bot.ionos.list_registries(limit=1)
        freeze_startup_heap()  # as `regbot serve` and `regbot sweep` do once ready
        self._bot = bot
        return namespace

    async def sweep(self) -> SweepFigures:
        bot = self._ready()
        gc.collect()
        before = rss_now()
        measured = reset_rss_peak()
        self._profiling.start()
        started, cpu, waited = time.perf_counter(), time.process_time(), runnable_waited()
        report = await bot.reminders.sweep(datetime.now(UTC))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        waited = runnable_waited() - waited
        self._profiling.stop()
        peak = rss_peak() if measured else 0
        return SweepFigures(wall, cpu, waited, before, peak, 0, report.as_dict())

    async def traced_sweep(self) -> SweepFigures:
        bot = self._ready()
        gc.collect()
        before = rss_now()
        tracemalloc.start()
        try:
            base, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            started, cpu = time.perf_counter(), time.process_time()
            report = await bot.reminders.sweep(datetime.now(UTC))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return SweepFigures(wall, cpu, 0.0, before, 0, peak - base, report.as_dict())

    async def walk(self) -> SweepFigures:
        """The IONOS part of a sweep alone: the same registries and pages through the same
        client and as many walkers, nothing done with the tokens (no Redis, no Slack, no
        digest). What is left of the sweep's time above this is its own work."""
        bot = self._ready()
        # as `bot.runtime.wiring` wires the sweep
        walkers = asyncio.Semaphore(self._config.max_in_flight)

        async def pages(registry_id: str) -> None:
            async with walkers:
                async for _ in bot.ionos.iter_token_pages(registry_id):
                    pass

        started, cpu = time.perf_counter(), time.process_time()
        async with asyncio.TaskGroup() as group:
            async for registry in bot.ionos.iter_registries():
                group.create_task(pages(registry.id))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        return SweepFigures(wall, cpu, 0.0, 0, 0, 0, {})

    async def bare_walk(self) -> SweepFigures:
        """The same IONOS calls as `walk` by the barest client there is: one aiohttp session,
        as many walkers, no models, no retries, no pacing — only the JSON it needs to find the
        next page. Its wall time is the floor this stand-in allows at this concurrency: the
        stand-in answers a round of requests one after another from one loop, which the
        computed floor (calls x latency / walkers) does not count."""
        headers = {"Authorization": f"Bearer {IONOS_TOKEN}"}
        base = self._config.ionos_url.rstrip("/")
        walkers = asyncio.Semaphore(self._config.max_in_flight)
        connector = aiohttp.TCPConnector(limit=self._config.max_in_flight)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

            async def get(url: str, **params: str) -> Any:
                async with session.get(url, params=params) as answer:
                    answer.raise_for_status()
                    return await answer.json()

            async def pages(registry_id: str) -> None:
                async with walkers:
                    offset = 0
                    while True:
                        url = f"{base}/registries/{registry_id}/tokens"
                        page = await get(url, offset=str(offset), limit="100")
                        offset += len(page["items"])
                        if not page["items"] or offset >= page["total"]:
                            return

            started, cpu = time.perf_counter(), time.process_time()
            async with asyncio.TaskGroup() as group:
                token = ""
                while True:
                    params = {"limit": "100"} | ({"pagination.token": token} if token else {})
                    listed = await get(f"{base}/registries", **params)
                    for registry in listed["items"]:
                        group.create_task(pages(registry["id"]))
                    token = (listed.get("pagination") or {}).get("token") or ""
                    if not token:
                        break
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        return SweepFigures(wall, cpu, 0.0, 0, 0, 0, {})

    def _ready(self) -> Bot:
        if self._bot is None:
            raise RuntimeError("ask 'prepare' before a sweep")
        return self._bot


def run_sweeper(conn: Connection, config: SweeperConfig) -> None:
    with open(config.log_path, "a", encoding="utf-8") as log:
        with contextlib.redirect_stderr(log):
            configure_logging("INFO", "json")  # the handler keeps the file, not the terminal
        run(_sweeper(conn, config), loop=config.event_loop)


async def _sweeper(conn: Connection, config: SweeperConfig) -> None:
    sweeper = Sweeper(config)
    try:
        queries: dict[str, Any] = {
            "prepare": sweeper.prepare,
            "sweep": sweeper.sweep,
            "traced_sweep": sweeper.traced_sweep,
            "walk": sweeper.walk,
            "bare_walk": sweeper.bare_walk,
        }
        await serve_queries(conn, config.ionos_url, queries)
    finally:
        await sweeper.aclose()
