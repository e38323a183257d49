"""The floors' import contracts (pyproject.toml, `[tool.importlinter]`) hold: `make lint` runs
them too, and this test makes `make test` (and so CI) fail on a broken arrow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_every_import_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(  # noqa: S603 - the venv's own lint-imports, fixed arguments
        [str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
    # six contracts, each named in the output as kept
    assert done.stdout.count(" KEPT") == 6, done.stdout
