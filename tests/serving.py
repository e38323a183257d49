"""Running `regbot` as an operator would, in tests: the stand-ins' URLs as environment
variables, a policy file, a child process whose output goes to files (a full pipe would stall
it), and polling helpers that give up after a bounded number of tries."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import yaml

REPO = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "serve-test-signing-secret"
BOT_TOKEN = "xoxb-fake"
APPROVAL_CHANNEL = "C0APPROVALS"
POLICY = {
    "defaults": {
        "approvers": ["SAPPROVERS"],
        "approval_channel": APPROVAL_CHANNEL,
        "max_expiry_days": 90,
        "default_expiry_days": 30,
    },
}


def write_policy(directory: Path) -> Path:
    path = directory / "policy.yml"
    path.write_text(yaml.safe_dump(POLICY), encoding="utf-8")
    return path


def bot_env(
    *,
    slack_url: str,
    ionos_url: str,
    redis_url: str,
    policy: Path,
    port: int,
    **extra: str,
) -> dict[str, str]:
    """The whole environment of the child: nothing inherited but PATH, so a developer's
    SLACK_APP_TOKEN cannot switch the child to Socket Mode."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
        "IONOS_TOKEN": "fake-token",
        "IONOS_API_URL": ionos_url,
        "REDIS_URL": redis_url,
        "REGBOT_POLICY": str(policy),
        "REGBOT_NAMESPACE": f"serve-{uuid.uuid4().hex[:12]}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_FORMAT": "json",
    }
    env.update({key.upper(): value for key, value in extra.items()})
    return env


@dataclass
class Child:
    process: asyncio.subprocess.Process
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text(encoding="utf-8") + self.stderr.read_text(encoding="utf-8")


async def run_regbot(args: list[str], env: dict[str, str], directory: Path) -> Child:
    """``regbot <args>`` (as ``python -m bot``, the console script's twin) in the background."""
    stdout, stderr = directory / "stdout.log", directory / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=env, cwd=REPO, stdout=out, stderr=err
        )
    return Child(process, stdout, stderr)


async def wait_until_healthy(child: Child, url: str, *, tries: int = 300) -> None:
    """Poll ``url`` until it answers 200; fail with the child's output if it died."""
    async with aiohttp.ClientSession() as session:
        for _ in range(tries):
            if child.process.returncode is not None:
                raise AssertionError(f"regbot exited early:\n{child.output()}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never answered 200:\n{child.output()}")


async def wait_until_refused(url: str, *, tries: int = 300) -> None:
    """Poll ``url`` until nothing accepts the connection any more."""
    async with aiohttp.ClientSession() as session:
        for _ in range(tries):
            try:
                async with session.get(url) as response:
                    await response.read()
            except aiohttp.ClientConnectionError:
                return
            await asyncio.sleep(0.05)
    raise AssertionError(f"{url} still answers")
