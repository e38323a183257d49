"""The bot alone in a process of its own, wired like `rig.running_bot` (the soak measures its
memory without the stand-ins' recordings in the same heap).

    python -m tests.reliability.bot_process --redis URL --slack URL --ionos URL --namespace NS

Prints one JSON line ``{"port": N}`` once it serves, then runs until terminated.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from aiohttp import web

from bot.runtime.settings import Settings
from bot.runtime.wiring import assemble
from tests.reliability.rig import reliability_policy
from tests.scenario.harness import SIGNING_SECRET
from tests.slack_fixtures import BOT_TOKEN


async def serve(args: argparse.Namespace) -> None:
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=args.slack,
        ionos_token="fake-token",
        ionos_api_url=args.ionos,
        redis_url=args.redis,
        regbot_namespace=args.namespace,
    )
    async with assemble(settings, reliability_policy()) as bot:
        runner = web.AppRunner(bot.web_app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(json.dumps({"port": runner.addresses[0][1]}), flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--redis", "--slack", "--ionos", "--namespace"):
        parser.add_argument(name, required=True)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
