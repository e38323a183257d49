"""Keep the start-up heap out of the garbage collector's way.

Everything alive once `regbot serve` (or `regbot sweep`) is ready — modules, the Bolt app and
its listeners, pydantic schemas, the policy, the clients — lives until the process ends. The
cyclic collector still walked all of it on every full collection: a pause of tens of
milliseconds that, landing in a burst of Slack requests, held every ack behind it (the
tail in `bench.ack_latency`: ack p99 at 200 concurrent went from ~1.4x the bare-Bolt floor
to below it, docs/performance.md, #17). `gc.freeze()` moves those objects to a permanent
generation the collector skips; what the bot allocates later is collected as before.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect the start-up garbage, then freeze what is left; returns how many objects."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
