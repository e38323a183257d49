"""One housekeeping run in a process of its own, without the sweep lock (as two replicas whose
locks overlapped would run it): prints its report as one JSON line. Used by
test_escalation_processes; reads the same environment as `regbot sweep`."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime

from bot.runtime.wiring import assemble, load_config


async def main() -> None:
    settings, policy = load_config()
    async with assemble(settings, policy) as bot:
        report = await bot.services.lifecycle.housekeeping.housekeeping(datetime.now(UTC))
    print(json.dumps(dataclasses.asdict(report)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
