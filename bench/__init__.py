"""Benchmarks: scripts that print their figures (not timed tests).

    python -m bench.ack_latency   # ack latency under load, against a bare Bolt app
    python -m bench.flows         # complete request -> approve -> collect flows per second
    python -m bench.all           # every benchmark in sequence (``make bench``)

Each takes ``--quick`` (small N, for the smoke test) and ends with one summary line per
figure. The figures, the machine and how to read them are in ``docs/performance.md``.
"""
