"""The development tools' subcommands in a build without ``bot/devtools``: one clear line and
exit code 2, not a traceback; ``--help`` still works (the options live in the CLI)."""

from __future__ import annotations

import sys

import pytest

from bot.runtime.cli import build_parser, main


@pytest.mark.parametrize("command", [["fake-slack"], ["fake-ionos"], ["demo"]])
def test_a_build_without_devtools_says_so(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # what an image built without bot/devtools looks like to the import system
    for name in [m for m in sys.modules if m.startswith("bot.devtools")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "bot.devtools", None)

    code = main(command)

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"regbot: `{command[0]}` is a development tool, not installed in")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_fake_slack_options_parse_without_importing_it() -> None:
    args = build_parser().parse_args(["fake-slack", "--port", "9000", "--host", "::1"])
    assert (args.port, args.host, args.bot_url) == (9000, "::1", None)
