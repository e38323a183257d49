"""`regbot demo`: the whole story on embedded defaults (in progress)."""

from __future__ import annotations

import argparse


def demo_command(args: argparse.Namespace) -> int:
    print("regbot demo: not yet. `make test` runs the whole suite meanwhile.")
    return 0
