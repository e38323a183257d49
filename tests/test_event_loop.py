"""`REGBOT_EVENT_LOOP`: uvloop by default, the standard loop on request, anything else refused
at start-up with one line naming the setting."""

from __future__ import annotations

import asyncio

import pytest

from bot.runtime.loop import loop_factory, run, running_loop_name
from bot.runtime.settings import SettingsError, load_settings

REQUIRED = {
    "SLACK_BOT_TOKEN": "xoxb-test",
    "SLACK_SIGNING_SECRET": "secret",
    "IONOS_TOKEN": "token",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REGBOT_EVENT_LOOP", raising=False)
    return monkeypatch


def test_uvloop_is_the_default(env: pytest.MonkeyPatch) -> None:
    assert load_settings().regbot_event_loop == "uvloop"


def test_the_standard_loop_can_be_chosen(env: pytest.MonkeyPatch) -> None:
    env.setenv("REGBOT_EVENT_LOOP", "asyncio")
    assert load_settings().regbot_event_loop == "asyncio"


def test_an_unknown_loop_is_one_line_naming_the_setting(env: pytest.MonkeyPatch) -> None:
    env.setenv("REGBOT_EVENT_LOOP", "trio")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith("REGBOT_EVENT_LOOP:")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("name", ["uvloop", "asyncio"])
def test_run_runs_the_coroutine_on_the_chosen_loop(name: str) -> None:
    async def main() -> tuple[str, int]:
        await asyncio.sleep(0)
        return running_loop_name(), 42

    assert run(main(), loop=name) == (name, 42)


def test_loop_factory_refuses_an_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown event loop"):
        loop_factory("trio")


async def test_the_suite_runs_on_the_loop_production_runs_on() -> None:
    assert running_loop_name() == "uvloop"  # tests/conftest.py: pytest_asyncio_loop_factories
