"""``regbot sweep``: the expiry sweep without the HTTP server, for people who prefer cron.

``regbot sweep --once`` runs one tick (lock, sweep, housekeeping, release) and prints its report
as one JSON line; exit code 0 when it swept or another replica held the lock, 1 when the sweep
stopped because the lock was lost. Without ``--once`` it ticks every ``sweep_minutes`` until
stopped (SIGTERM or SIGINT: exit code 0), like the scheduler inside ``regbot serve``.
"""

from __future__ import annotations

import argparse
import json
import logging
from datetime import timedelta

from bot.policy.model import Policy
from bot.runtime.heap import freeze_startup_heap
from bot.runtime.logs import configure_logging
from bot.runtime.loop import run
from bot.runtime.scheduler import Tick
from bot.runtime.settings import Settings
from bot.runtime.signals import stop_on_signals
from bot.runtime.wiring import assemble, load_config

log = logging.getLogger(__name__)


def sweep_command(args: argparse.Namespace) -> int:
    settings, policy = load_config()
    configure_logging(settings.log_level, settings.log_format)
    lock_ttl = timedelta(seconds=args.lock_ttl)
    if args.once:
        tick = run(_once(settings, policy, lock_ttl), loop=settings.regbot_event_loop)
        print(json.dumps(_summary(tick)), flush=True)
        return 1 if tick.lock_lost else 0
    run(_forever(settings, policy, lock_ttl), loop=settings.regbot_event_loop)
    return 0


async def _once(settings: Settings, policy: Policy, lock_ttl: timedelta) -> Tick:
    async with assemble(settings, policy, sweep_lock_ttl=lock_ttl) as bot:
        return await bot.scheduler.tick()


async def _forever(settings: Settings, policy: Policy, lock_ttl: timedelta) -> None:
    """Tick until SIGTERM or SIGINT; then stop the scheduler (a sweep in progress stops where
    it is and gives the lock back) and close the connections."""
    async with (
        stop_on_signals() as stop,
        assemble(settings, policy, sweep_lock_ttl=lock_ttl) as bot,
    ):
        bot.scheduler.start()
        frozen = freeze_startup_heap()  # see bot/runtime/heap.py
        log.info(
            "regbot sweeping",
            extra={"every_minutes": policy.reminders.sweep_minutes, "frozen_objects": frozen},
        )
        try:
            await stop.wait()
        finally:
            await bot.scheduler.stop()
        log.info("regbot sweep stopped")


def _summary(tick: Tick) -> dict[str, object]:
    if not tick.ran or tick.report is None:
        return {"swept": False, "reason": "another replica holds the sweep lock"}
    return {"swept": True, "lock_lost": tick.lock_lost, **tick.report.as_dict()}
