"""`regbot check-config` against the stand-ins: one line per check, a failing check named
with its cause, a Redis without persistence warned about (not failed), a wrong setting
reported in one line without a traceback — both called directly and as the command."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.devtools.ionos import FakeIonos, serve_fake_ionos
from bot.devtools.redis_server import RedisServer, free_port, running_redis
from bot.devtools.slack import FakeSlack
from bot.devtools.slack_socket import SocketModeSlack, serve_socket_slack
from bot.runtime.check_config import Check, run_checks
from bot.runtime.settings import Settings
from tests.serving import BOT_TOKEN, SIGNING_SECRET, bot_env, run_regbot, write_policy


@pytest.fixture
async def ionos_url() -> AsyncIterator[str]:
    fake = FakeIonos()
    fake.add_registry("team-registry")
    fake.add_registry("prod-registry")
    async with serve_fake_ionos(fake) as url:
        yield url


def settings(
    tmp_path: Path, slack_api_url: str, ionos_url: str, redis_url: str, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack_api_url,
        "ionos_token": "fake-token",
        "ionos_api_url": ionos_url,
        "redis_url": redis_url,
        "regbot_policy": write_policy(tmp_path),
        "regbot_namespace": f"cc-{uuid.uuid4().hex[:12]}",
    }
    return Settings(**(values | extra))


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


async def test_everything_ok_in_one_line_each(
    tmp_path: Path, slack_api_url: str, ionos_url: str, redis_server: RedisServer
) -> None:
    checks = await run_checks(settings(tmp_path, slack_api_url, ionos_url, redis_server.url))

    assert [c.name for c in checks] == ["settings", "policy", "slack", "ionos", "redis"]
    assert {c.status for c in checks} == {"ok"}
    lines = by_name(checks)
    assert lines["settings"].line.startswith("ok   settings: HTTP mode, serving on 0.0.0.0:3000")
    assert lines["policy"].line == f"ok   policy: {tmp_path / 'policy.yml'}, 0 registries listed"
    assert lines["slack"].line == "ok   slack: auth.test: @regbot (UBOT) in Fake Team (T0001)"
    assert lines["ionos"].line == f"ok   ionos: 2 registries visible at {ionos_url}"
    assert lines["redis"].line == "ok   redis: PONG, appendonly=yes (appendfsync always)"
    assert all("\n" not in c.line for c in checks)


async def test_wrong_credentials_fail_with_their_cause(
    tmp_path: Path, slack_api_url: str, ionos_url: str, redis_server: RedisServer
) -> None:
    wrong = settings(
        tmp_path,
        slack_api_url,
        ionos_url,
        redis_server.url,
        slack_bot_token="xoxb-wrong",
        ionos_token="wrong-token",
    )
    lines = by_name(await run_checks(wrong))

    assert lines["ionos"].line == (
        "FAIL ionos: 401 Unauthorized (check IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD)"
    )
    assert lines["slack"].line == "FAIL slack: invalid_auth (check SLACK_BOT_TOKEN)"
    assert lines["redis"].status == "ok"
    assert "xoxb-wrong" not in "".join(c.line for c in lines.values())


async def test_unreachable_services_fail_without_leaking_the_redis_password(
    tmp_path: Path, slack_api_url: str
) -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    lines = by_name(
        await run_checks(
            settings(
                tmp_path,
                slack_api_url,
                f"http://{nowhere}",
                f"redis://:s3cret-pass@{nowhere}/0",
                regbot_policy=tmp_path / "missing.yml",
            )
        )
    )
    assert lines["policy"].status == "FAIL"
    assert "missing.yml: no such file" in lines["policy"].detail
    assert lines["ionos"].line.startswith(f"FAIL ionos: http://{nowhere}: no answer")
    assert lines["redis"].line == f"FAIL redis: cannot use {nowhere}/0 (ConnectionError)"
    assert "s3cret-pass" not in "".join(c.line for c in lines.values())


async def test_redis_without_persistence_is_a_warning_that_says_why(
    tmp_path: Path, slack_api_url: str, ionos_url: str
) -> None:
    with running_redis() as private:  # its own server: the shared one keeps its settings
        client = aioredis.Redis.from_url(private.url)
        await client.config_set("appendonly", "no")
        try:
            checks = await run_checks(settings(tmp_path, slack_api_url, ionos_url, private.url))
            await client.config_set("save", "3600 1")
            snapshots = by_name(
                await run_checks(settings(tmp_path, slack_api_url, ionos_url, private.url))
            )
        finally:
            await client.aclose()

    redis = by_name(checks)["redis"]
    assert redis.status == "warn"
    assert redis.line.startswith("warn redis: PONG, appendonly=no, no snapshots: ")
    assert "restart loses every pending request" in redis.line
    assert "set appendonly yes" in redis.line
    assert snapshots["redis"].line.startswith(
        "warn redis: PONG, appendonly=no, RDB snapshots (3600 1): a crash loses"
    )


async def test_socket_mode_checks_the_app_level_token(
    tmp_path: Path, ionos_url: str, redis_server: RedisServer, fake_slack: FakeSlack
) -> None:
    accepting = SocketModeSlack(fake_slack, app_token="xapp-1-ok")
    async with serve_socket_slack(accepting) as url:
        good = await run_checks(
            settings(tmp_path, url, ionos_url, redis_server.url, slack_app_token="xapp-1-ok")
        )
    assert [c.name for c in good][:4] == ["settings", "policy", "slack", "slack-socket"]
    assert by_name(good)["settings"].detail.startswith("Socket Mode")
    assert by_name(good)["slack-socket"].line == (
        "ok   slack-socket: apps.connections.open accepted the app-level token"
    )
    [opened] = fake_slack.calls_to("apps.connections.open")
    assert opened.token == "xapp-1-ok"


async def test_the_command_exits_0_when_all_pass_and_1_when_a_check_fails(
    tmp_path: Path, slack_api_url: str, ionos_url: str, redis_server: RedisServer
) -> None:
    env = bot_env(
        slack_url=slack_api_url,
        ionos_url=ionos_url,
        redis_url=redis_server.url,
        policy=write_policy(tmp_path),
        port=3000,
    )
    passing = await run_regbot(["check-config"], env, tmp_path)
    assert await passing.process.wait() == 0, passing.output()
    lines = passing.stdout.read_text().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok   settings",
        "ok   policy",
        "ok   rules (any other registry)",  # each registry's rules in one line
        "ok   slack",
        "ok   ionos",
        "ok   redis",
    ]

    failing = await run_regbot(["check-config"], env | {"IONOS_TOKEN": "wrong-token"}, tmp_path)
    assert await failing.process.wait() == 1
    assert "FAIL ionos: 401 Unauthorized" in failing.stdout.read_text()
    assert failing.stderr.read_text() == ""


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({"PORT": "three thousand"}, "FAIL settings: PORT: Input should be a valid integer"),
        ({"SLACK_BOT_TOKEN": None}, "FAIL settings: SLACK_BOT_TOKEN is not set"),
    ],
)
async def test_a_wrong_setting_is_one_line_and_no_traceback(
    tmp_path: Path, change: dict[str, str | None], line: str
) -> None:
    env = bot_env(
        slack_url="http://127.0.0.1:9/api/",
        ionos_url="http://127.0.0.1:9",
        redis_url="redis://127.0.0.1:9/0",
        policy=write_policy(tmp_path),
        port=3000,
    )
    for key, value in change.items():
        if value is None:
            env.pop(key)
        else:
            env[key] = value
    child = await run_regbot(["check-config"], env, tmp_path)
    assert await child.process.wait() == 2
    out = child.stdout.read_text().splitlines()
    assert len(out) == 1
    assert out[0].startswith(line)
    assert "Traceback" not in child.output()
