"""What the benchmarks run: the real bot, a bare Bolt app (the floor) and the two stand-ins.

Each `run_*` function is a child-process entry point (see `bench.children`): it serves on a
free loopback port, reports its URL and answers queries until told to stop. The bot is
built exactly as production builds it (`bot.runtime.wiring.assemble`), served by aiohttp, with its
logs (INFO, JSON, as in production) written to a file instead of the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.children import Query, serve_queries
from bot.devtools.ionos import FakeIonos, Knobs, serve_fake_ionos
from bot.devtools.slack import FakeSlack, serve_fake_slack
from bot.policy.model import Policy
from bot.runtime.heap import freeze_startup_heap
from bot.runtime.logs import configure_logging
from bot.runtime.loop import run
from bot.runtime.settings import Settings
from bot.runtime.web import make_web_app
from bot.runtime.wiring import assemble

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
IONOS_TOKEN = "fake-token"  # FakeIonos's default bearer token
TEAM_ID = "T0001"
REGISTRY = "team-registry"
APPROVAL_CHANNEL = "CAPPROVALS"
APPROVERS_GROUP = "SAPPROVERS"
APPROVER = "UAPP1"
SEED_PREFIX = "seed-token-"


def policy_mapping() -> dict[str, Any]:
    return {
        "defaults": {
            "approvers": [APPROVERS_GROUP],
            "approval_channel": APPROVAL_CHANNEL,
            "max_expiry_days": 90,
            "default_expiry_days": 30,
        },
    }


def requester(index: int) -> str:
    return f"UDEV{index:05d}"


def fake_slack(requesters: int = 0) -> FakeSlack:
    slack = FakeSlack(bot_user_id="UBOT", team_id=TEAM_ID, bot_token=BOT_TOKEN)
    slack.add_user("UBOT", "regbot", is_bot=True)
    for user in (APPROVER, "UAPP2"):
        slack.add_user(user, user.lower())
    for index in range(requesters):
        slack.add_user(requester(index), f"dev{index}")
    slack.set_usergroup(APPROVERS_GROUP, [APPROVER, "UAPP2"])
    return slack


def fake_ionos(*, latency: float, seed_tokens: int) -> FakeIonos:
    ionos = FakeIonos(knobs=Knobs(latency=latency))
    registry = ionos.add_registry(REGISTRY)
    for index in range(seed_tokens):
        ionos.add_token(
            registry.id,
            f"{SEED_PREFIX}{index:03d}",
            scopes=[{"name": "team/app", "type": "repository", "actions": ["pull"]}],
        )
    return ionos


@contextlib.asynccontextmanager
async def stand_ins(slack: FakeSlack, ionos: FakeIonos) -> AsyncIterator[tuple[str, str]]:
    """Serve both stand-ins; yields (Slack Web API base URL, IONOS base URL)."""
    async with serve_fake_slack(slack) as slack_url, serve_fake_ionos(ionos) as ionos_url:
        yield slack_url, ionos_url


@contextlib.asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    finally:
        await runner.cleanup()


# -- the bot ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BotConfig:
    slack_url: str
    ionos_url: str
    redis_url: str
    log_path: str
    profile_path: str | None = None
    event_loop: str = "uvloop"


def run_bot(conn: Connection, config: BotConfig) -> None:
    with open(config.log_path, "a", encoding="utf-8") as log:
        with contextlib.redirect_stderr(log):
            configure_logging("INFO", "json")  # the handler keeps the file, not the terminal
        run(_bot(conn, config), loop=config.event_loop)


async def _bot(conn: Connection, config: BotConfig) -> None:
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=config.slack_url,
        ionos_token=IONOS_TOKEN,
        ionos_api_url=config.ionos_url,
        redis_url=config.redis_url,
        regbot_namespace=f"bench-{uuid.uuid4().hex[:8]}",
        regbot_event_loop=config.event_loop,
    )
    policy = Policy.from_mapping(policy_mapping())
    profiler = Profiling(config.profile_path)
    async with assemble(settings, policy) as bot, served(bot.web_app) as url:
        await bot.services.catalog.refresh()  # as `regbot serve` does before taking traffic
        freeze_startup_heap()  # as `regbot serve` does once it is ready
        queries = {"profile_start": profiler.start, "profile_stop": profiler.stop}
        await serve_queries(conn, url, queries)


class Profiling:
    """pyinstrument over the stretches the parent asks for (``profile_start`` ..
    ``profile_stop``, sessions combined); a no-op without a path. It samples the loop's
    thread by wall clock without following awaits, so a frame's time is time the loop spent
    running it: what delays every other coroutine. Expect the run to be 2-3x slower."""

    def __init__(self, path: str | None) -> None:
        self._path = Path(path) if path else None
        self._profiler: Any = None
        if self._path is not None:
            from pyinstrument import Profiler  # a dev tool: imported only when asked for

            self._profiler = Profiler(interval=0.001, async_mode="disabled")

    def start(self) -> bool:
        if self._profiler is not None:
            self._profiler.start()
        return self._profiler is not None

    def stop(self) -> bool:
        if self._profiler is None or self._path is None:
            return False
        self._profiler.stop()
        text = self._profiler.output_text(unicode=True, color=False, show_all=False)
        self._path.write_text(text, encoding="utf-8")
        # the raw session, for other views: pyinstrument --load=<path>.pyisession --show-all
        self._profiler.last_session.save(f"{self._path}.pyisession")
        return True


# -- the floor: a bare Bolt app on the same server stack ------------------------------------


@dataclass(frozen=True)
class FloorConfig:
    slack_url: str
    profile_path: str | None = None
    event_loop: str = "uvloop"


def run_floor(conn: Connection, config: FloorConfig) -> None:
    run(_floor(conn, config), loop=config.event_loop)


async def _floor(conn: Connection, config: FloorConfig) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=config.slack_url)
    bolt = AsyncApp(
        client=client, signing_secret=SIGNING_SECRET, raise_error_for_unhandled_request=False
    )

    @bolt.command("/regtoken")
    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    async def health() -> dict[str, str]:
        return {}

    profiler = Profiling(config.profile_path)
    async with served(make_web_app(bolt, health)) as url:
        freeze_startup_heap()  # the same server stack as the bot's, heap freeze included
        queries = {"profile_start": profiler.start, "profile_stop": profiler.stop}
        await serve_queries(conn, url, queries)


# -- the stand-ins, on their own -------------------------------------------------------------


@dataclass(frozen=True)
class StandInsConfig:
    ionos_latency: float
    seed_tokens: int


class ReplyCounter:
    """Replies the bot posted to response URLs, read incrementally: (all, token listings)."""

    def __init__(self, slack: FakeSlack) -> None:
        self._slack = slack
        self._seen = 0
        self.total = 0
        self.listings = 0

    def __call__(self) -> dict[str, int]:
        calls = self._slack.calls
        for call in calls[self._seen :]:
            if call.method == "response_url":
                self.total += 1
                self.listings += str(call.payload.get("text", "")).startswith("Tokens on ")
        self._seen = len(calls)
        return {"replies": self.total, "listings": self.listings}


def run_stand_ins(conn: Connection, config: StandInsConfig) -> None:
    asyncio.run(_stand_ins(conn, config))


async def _stand_ins(conn: Connection, config: StandInsConfig) -> None:
    slack = fake_slack()
    ionos = fake_ionos(latency=0.0, seed_tokens=config.seed_tokens)
    async with stand_ins(slack, ionos) as (slack_url, ionos_url):
        queries: dict[str, Query] = {
            "ionos_url": lambda: ionos_url,
            "replies": ReplyCounter(slack),
            "ionos_calls": lambda: len(ionos.requests),
            "slack_methods": lambda: Counter(call.method for call in slack.calls),
            "slow": lambda: _set_latency(ionos, config.ionos_latency),
        }
        await serve_queries(conn, slack_url, queries)


def _set_latency(ionos: FakeIonos, seconds: float) -> float:
    ionos.knobs.latency = seconds
    return seconds


class LogTail:
    """What the bot logged (JSON lines) since the last look: warnings and errors by event."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._offset = 0

    def summary(self) -> str:
        if not self._path.exists():
            return "bot log: empty"
        with self._path.open(encoding="utf-8") as log:
            log.seek(self._offset)
            lines = log.readlines()
            self._offset = log.tell()
        seen: Counter[str] = Counter()
        for line in lines:
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if record.get("level") in ("warning", "error", "critical"):
                    detail = record.get("error") or record.get("what") or ""
                    seen[f"{record['level']} {record.get('event')} {detail}".strip()] += 1
        shown = "; ".join(f"{n} x {what}" for what, n in seen.most_common(4)) or "none"
        return f"bot log: {len(lines)} records, warnings and errors: {shown}"
