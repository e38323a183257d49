"""Every benchmark in sequence (``make bench``); ``--quick`` is passed through.

python -m bench.all [--quick]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from bench import ack_latency, flows, redis_memory, sweep

BENCHMARKS: list[tuple[str, Callable[[list[str]], int]]] = [
    ("ack latency under load", ack_latency.main),
    ("expiry sweep", sweep.main),
    ("full flows", flows.main),
    ("redis memory per request and token", redis_memory.main),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.all", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small N, for a smoke run")
    args = parser.parse_args(argv)
    passed = ["--quick"] if args.quick else []
    failed: list[str] = []
    for title, run in BENCHMARKS:
        print(f"== {title}", flush=True)
        started = time.perf_counter()
        if run(passed) != 0:
            failed.append(title)
        print(f"== {title}: {time.perf_counter() - started:.1f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
