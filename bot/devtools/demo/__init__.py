"""`regbot demo`: the whole story locally on embedded defaults, printed as a transcript."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.devtools.demo.story import play
from bot.devtools.demo.world import NoRedis, running_world


async def _run() -> int:
    async with running_world() as world:
        return await play(world, sys.stdout)


def demo_command(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.CRITICAL)  # the transcript is the output
    try:
        return asyncio.run(_run())
    except NoRedis as exc:
        print(f"regbot demo: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"regbot demo: the story went wrong: {exc}", file=sys.stderr)
        return 1
