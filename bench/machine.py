"""What else the machine was doing: printed with every run, because on a shared 2-core
machine a busy neighbour moves the figures more than most code changes do."""

from __future__ import annotations

import argparse
import os

LOOPS = ("uvloop", "asyncio")


def add_loop_flag(parser: argparse.ArgumentParser) -> None:
    """``--event-loop``: the loop the server under test runs on (the product's default first),
    so one sitting can measure both (docs/performance.md)."""
    parser.add_argument(
        "--event-loop",
        choices=LOOPS,
        default=LOOPS[0],
        help="the event loop of the bot, the floor and the sweeper (REGBOT_EVENT_LOOP; "
        "default: uvloop, as `regbot serve` runs)",
    )


def load_line(when: str) -> str:
    one, five, _ = os.getloadavg()
    cores = os.cpu_count()
    return f"machine: {cores} cores, load average {one:.2f} (1 min) {five:.2f} (5 min) {when}"
