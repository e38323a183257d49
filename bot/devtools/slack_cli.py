"""``regbot fake-slack``: the Slack stand-in as a process — the Web API, ``response_url``
hooks and Socket Mode (`bot.devtools.slack_socket`) on one port — plus a small ``/try`` API
through which a person plays the people of a workspace (`bot.devtools.slack_try`).

Point regbot at it with ``SLACK_API_URL=http://<host>:<port>/api/``, ``SLACK_BOT_TOKEN`` and
``SLACK_APP_TOKEN`` as printed at start. Without ``--bot-url`` the ``/try`` traffic goes over
Socket Mode; with it, as signed HTTP requests to the bot's ``/slack/events``.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.devtools.slack import FakeSlack
from bot.devtools.slack_driver import SlackDriver
from bot.devtools.slack_socket import SocketModeSlack, serve_socket_slack
from bot.devtools.slack_socket_driver import SocketDriver
from bot.devtools.slack_try import PEOPLE, add_try_routes
from bot.runtime.signals import stop_on_signals

APPROVERS_GROUP = "SAPPROVERS"


def populated(bot_token: str) -> FakeSlack:
    """The workspace of the ``/try`` API: a developer and two approvers in one user group."""
    fake = FakeSlack(bot_user_id="UBOT", team_id="T0001", bot_token=bot_token)
    for user_id, name in PEOPLE.items():
        fake.add_user(user_id, name)
    fake.add_user("UBOT", "regbot", is_bot=True)
    fake.set_usergroup(APPROVERS_GROUP, ["UAPP1", "UAPP2"])
    return fake


def run_cli(args: argparse.Namespace) -> int:
    asyncio.run(_serve(args))
    return 0


async def _serve(args: argparse.Namespace) -> None:
    fake = populated(args.bot_token)
    socket = SocketModeSlack(fake, app_token=args.app_token, ack_timeout=args.ack_timeout)
    public = (args.public_url or f"http://{args.host}:{args.port}").rstrip("/")
    driver: SlackDriver = (
        SlackDriver(args.bot_url, args.signing_secret, hooks_url=f"{public}/hooks")
        if args.bot_url
        else SocketDriver(socket, hooks_url=f"{public}/hooks")
    )
    app = socket.app()
    add_try_routes(app, fake, driver)
    async with (
        stop_on_signals() as stop,
        serve_socket_slack(socket, host=args.host, port=args.port, app=app) as api_url,
    ):
        mode = f"HTTP, to {args.bot_url}" if args.bot_url else "Socket Mode"
        print(f"Slack stand-in at {api_url} ({mode})", flush=True)
        print(f"  SLACK_API_URL={api_url}", flush=True)
        print(f"  bot token {args.bot_token}, app-level token {args.app_token}", flush=True)
        print(f"  try it: curl -s -X POST {public}/try/tour", flush=True)
        await stop.wait()
        await driver.aclose()
    print("Slack stand-in stopped", flush=True)
