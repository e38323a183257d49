"""The ``/try`` API of ``regbot fake-slack``: a person plays the workspace's people with curl.

    POST /try/command  {"user": "UDEV", "text": "help"}   a slash command; the bot's answer
    POST /try/tour                                        request -> approve -> collect
    GET  /try/calls                                       every Web API call the bot made

People: UDEV (developer), UAPP1 and UAPP2 (approvers, user group SAPPROVERS). The tour asks
for a pull token on the first registry the bot offers, approves it as UAPP1, and collects it
as UDEV, printing what each of them sees. It talks to the bot through the driver it is given
(Socket Mode envelopes, or signed HTTP), and waits for the bot's follow-up work by watching
the Web API calls arrive, bounded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from aiohttp import web

from bot.devtools.demo.transcript import render_call, wrap
from bot.devtools.slack import RESPONSE_URL, FakeSlack, SlackCall
from bot.devtools.slack_driver import SlackDriver, checkboxes, date_value, select_value, text_value
from handlers.ids import ActionId, BlockId, Callback

PEOPLE = {"UDEV": "dev", "UAPP1": "approver.one", "UAPP2": "approver.two"}
APPROVAL_CHANNEL = "CAPPROVALS"  # the try policy's approval channel (deploy/try/policy.yml)
WAIT = 20.0  # seconds for the bot's follow-up work, per step
T = TypeVar("T")
SHOWN = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", RESPONSE_URL)


class TourFailed(Exception):
    """The bot did not do what the next step needs; the message says what was missing."""


def add_try_routes(app: web.Application, fake: FakeSlack, driver: SlackDriver) -> None:
    lock = asyncio.Lock()  # one person at a time: the answers are read off the call log

    async def command(request: web.Request) -> web.Response:
        body = await request.json()
        user, text = str(body.get("user", "UDEV")), str(body.get("text", "help"))
        async with lock:
            seen = len(fake.calls)
            reply = await driver.command(text, user_id=user)
            await _quiet(fake)
        return web.json_response(
            {"ack": reply.json or reply.text, "bot_called": [_call(c) for c in fake.calls[seen:]]}
        )

    async def tour(_: web.Request) -> web.Response:
        async with lock:
            lines: list[str] = []
            try:
                await Tour(fake, driver, lines.append).play()
            except (TourFailed, TimeoutError) as exc:
                lines.append(f"\nthe tour stopped: {exc or 'the bot did not answer in time'}")
                return web.Response(text="\n".join(lines) + "\n", status=502)
        return web.Response(text="\n".join(lines) + "\n")

    async def calls(_: web.Request) -> web.Response:
        return web.json_response([_call(c) for c in fake.calls])

    app.router.add_post("/try/command", command)
    app.router.add_post("/try/tour", tour)
    app.router.add_get("/try/calls", calls)


def _call(call: SlackCall) -> dict[str, Any]:
    return {"method": call.method, "payload": call.payload}


async def _quiet(fake: FakeSlack, *, settle: float = 0.5, limit: float = WAIT) -> None:
    """Until no new Web API call arrived for `settle` seconds (at most `limit`)."""
    count, still = len(fake.calls), 0.0
    for _ in range(int(limit / 0.05)):
        await asyncio.sleep(0.05)
        still = 0.0 if len(fake.calls) != count else still + 0.05
        count = len(fake.calls)
        if still >= settle:
            return


class Tour:
    def __init__(self, fake: FakeSlack, driver: SlackDriver, say: Callable[[str], None]) -> None:
        self.fake, self.driver, self.say = fake, driver, say
        self._seen = len(fake.calls)

    async def play(self) -> None:
        self.say("1. UDEV types /regtoken request")
        await self.driver.command("request", user_id="UDEV")
        view = await self._wait(lambda: self._last_view(), "the request form")
        registry = _first_registry(view)
        self._show()
        self.say(f"2. UDEV asks for a pull token on {registry['text']['text']}")
        expiry = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        name = f"try-{datetime.now(UTC):%H%M%S}"
        reply = await self.driver.view_submission(
            Callback.REQUEST_MODAL,
            user_id="UDEV",
            values={
                BlockId.REGISTRY: {ActionId.REGISTRY: select_value(registry["value"])},
                BlockId.TOKEN_NAME: {ActionId.INPUT: text_value(name)},
                BlockId.scope_repo(0): {ActionId.INPUT: text_value("team/app")},
                BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])},
                BlockId.EXPIRY: {ActionId.INPUT: date_value(expiry)},
                BlockId.REASON: {ActionId.INPUT: text_value("trying regbot")},
            },
            private_metadata=view["private_metadata"],
            view=view,
        )
        if reply.json and reply.json.get("response_action") == "errors":
            raise TourFailed(f"the form was refused: {reply.json['errors']}")
        value, ts = await self._wait(
            lambda: self._button(APPROVAL_CHANNEL, ActionId.APPROVE), "an approval request"
        )
        self._show()
        self.say("3. UAPP1 clicks Approve")
        await self.driver.block_action(
            ActionId.APPROVE,
            user_id="UAPP1",
            value=value,
            channel_id=APPROVAL_CHANNEL,
            message_ts=ts,
        )
        value, ts = await self._wait(
            lambda: self._button("DUDEV", ActionId.COLLECT), "a collect button"
        )
        self._show()
        self.say("4. UDEV clicks Create token and show password")
        await self.driver.block_action(
            ActionId.COLLECT, user_id="UDEV", value=value, channel_id="DUDEV", message_ts=ts
        )
        await self._wait(lambda: self.fake.calls_to("chat.postEphemeral") or None, "the password")
        await _quiet(self.fake)
        self._show()
        self.say(f"\ndone: token {name} created at the IONOS stand-in, its password shown once")

    async def _wait(self, found: Callable[[], T | None], what: str) -> T:
        for _ in range(int(WAIT / 0.05)):
            if (result := found()) is not None:
                return result
            await asyncio.sleep(0.05)
        raise TourFailed(f"no {what} from the bot within {WAIT:g} s")

    def _show(self) -> None:
        for call in self.fake.calls[self._seen :]:
            if call.method in SHOWN:
                where = call.payload.get("channel") or call.payload.get("user") or "the actor"
                self.say(f"  ▸ {call.method} ({where}):")
                self.say(wrap(render_call(call.method, call.payload)))
        self._seen = len(self.fake.calls)

    def _last_view(self) -> dict[str, Any] | None:
        opened = self.fake.calls_to("views.open")[self._seen_views() :]
        if not opened:
            return None
        view = opened[-1].payload["view"]
        return view if isinstance(view, dict) else dict(json.loads(view))

    def _seen_views(self) -> int:
        return len([c for c in self.fake.calls[: self._seen] if c.method == "views.open"])

    def _button(self, channel: str, action: str) -> tuple[str, str] | None:
        for message in reversed(self.fake.messages_in(channel)):
            for block in message.get("blocks") or []:
                for element in block.get("elements") or []:
                    if element.get("action_id") == action:
                        return str(element["value"]), str(message["ts"])
        return None


def _first_registry(view: dict[str, Any]) -> dict[str, Any]:
    for block in view.get("blocks") or []:
        if block.get("block_id") == BlockId.REGISTRY:
            element = block.get("element") or {}
            options = element.get("options") or []
            chosen = element.get("initial_option") or (options[0] if options else None)
            if chosen:
                return dict(chosen)
    raise TourFailed("the request form offers no registry (is the IONOS stand-in seeded?)")
