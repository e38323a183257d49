"""The benchmark scripts still run: each with ``--quick``, as a subprocess, as people run
them. Only that they finish and print their summary lines is checked — never a figure:
timings on a shared machine are not test material (docs/performance.md has them)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 150  # seconds; a quick run takes seconds, a busy machine may take many more

NUMBER = r"[0-9.]+"
ACK_LINES = [
    rf"^floor c=(?P<c>\d+): p50={NUMBER} ms p99={NUMBER} ms max={NUMBER} ms over3s=\d+/\d+",
    rf"^ack c=\d+: p50={NUMBER} ms p99={NUMBER} ms .* floor_p99={NUMBER} ms ratio={NUMBER}",
    r"^after-ack c=\d+: replies=\d+ listings=\d+ ionos_calls=\d+",
]
SWEEP_LINES = [
    rf"^sweep \d+x\d+ c=\d+ latency=\d+ms: calls=\d+ wall={NUMBER}s floor={NUMBER}s "
    rf"ratio={NUMBER} .*rss_peak={NUMBER}MB .*429s=\d+ ",
    rf"^sweep \d+x\d+ c=\d+ latency=\d+ms limit={NUMBER}/s pace={NUMBER}/s: calls=\d+ "
    rf"wall={NUMBER}s expected={NUMBER}s ratio={NUMBER} .*429s=\d+ ",
    rf"^walk \d+x\d+ c=\d+ latency=\d+ms .*: calls=\d+ wall={NUMBER}s floor={NUMBER}s",
    rf"^sweep memory \(tracemalloc_peak/rss_growth\): .* tracemalloc_peak x{NUMBER} ",
]
FLOW_LINES = [
    rf"^flows: (?P<done>\d+)/(?P=done) complete in {NUMBER} s = {NUMBER} flows/s .*failed=0 ",
    rf"^acks during flows: p50={NUMBER} ms p99={NUMBER} ms max={NUMBER} ms over3s=\d+/\d+",
    rf"^redis per flow: {NUMBER} commands; top: \w+={NUMBER}",
    rf"^cpu per flow: bot={NUMBER} ms driver\+stand-ins={NUMBER} ms",
]


def run_quick(module: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", module, "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=LIMIT,
        check=False,
    )
    assert done.returncode == 0, f"{module} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def assert_lines(output: str, patterns: list[str], times: int) -> None:
    for pattern in patterns:
        found = re.findall(pattern, output, flags=re.MULTILINE)
        assert len(found) == times, f"{times} x {pattern!r} expected in:\n{output}"


@pytest.mark.slow
@pytest.mark.timeout(LIMIT + 30)
def test_ack_latency_quick_prints_a_summary_per_level() -> None:
    output = run_quick("bench.ack_latency")
    assert_lines(output, ACK_LINES, times=2)  # two concurrency levels


@pytest.mark.slow
@pytest.mark.timeout(LIMIT + 30)
def test_flows_quick_completes_every_flow_and_prints_a_summary() -> None:
    output = run_quick("bench.flows")
    assert_lines(output, FLOW_LINES, times=1)


@pytest.mark.slow
@pytest.mark.timeout(LIMIT + 30)
def test_sweep_quick_sweeps_every_case_and_prints_a_summary() -> None:
    output = run_quick("bench.sweep")  # exit 0: every token swept, every reminder sent
    unlimited, limited, walk, memory = SWEEP_LINES
    assert_lines(output, [unlimited], times=2)  # two sizes
    assert_lines(output, [limited, walk, memory], times=1)
