"""`regbot demo` plays the whole story and says so; the transcript shows what people see."""

from __future__ import annotations

import subprocess
import sys


def test_the_demo_tells_the_whole_story() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:] + out[-2000:]
    assert "Traceback" not in done.stderr
    for seen in (
        "Dana (developer) types: /regtoken request team-registry",
        "new message in #registry-approvals",
        "[ Review ]  [ Approve ]  [ Deny ]",
        "[ Create token and show password ]",
        "sees, only for them, in their DM with regbot",
        "(in full in Slack; masked here)",
        "docker login team-registry",
        "[ Extend ]  [ Rotate ]  [ Disable now ]",
        "EXTEND A REGISTRY TOKEN",
        "bea-deploy now expires",
        "Dana (developer)'s Home tab in regbot",
        "YOUR TOKENS (1)",
        "clicks [ Cancel request ] on her Home tab",
        "Withdrawn by the requester",
        "withdrawn by you",
        "regbot audit verify: ok",
    ):
        assert seen in out, seen
