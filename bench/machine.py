"""What else the machine was doing: printed with every run, because on a shared 2-core
machine a busy neighbour moves the figures more than most code changes do."""

from __future__ import annotations

import os


def load_line(when: str) -> str:
    one, five, _ = os.getloadavg()
    cores = os.cpu_count()
    return f"machine: {cores} cores, load average {one:.2f} (1 min) {five:.2f} (5 min) {when}"
