"""One complete flow as people drive it, step by step, over signed HTTP.

Each step sends one signed request, checks the ack, then waits until the Slack stand-in
has received what the bot does after that ack — the next person acts only then. A step
that gets a wrong ack, an error reply or nothing within `STEP_LIMIT` raises `FlowFailed`.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlparse

from bench.slack_load import SignedPoster, button, command, response_url, trigger_id
from bench.slack_load import view_submission as submission
from bench.stack import APPROVAL_CHANNEL, APPROVER, REGISTRY, requester
from bench.watch import Match, Watcher
from bot.devtools.slack import FakeSlack, SlackCall
from bot.devtools.slack_messages import dm_channel
from handlers.ids import ActionId, BlockId

STEP_LIMIT = 30.0  # seconds for the bot's post-ack work of one step


class FlowFailed(Exception):
    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step


def token_name(index: int) -> str:
    return f"bench-{index:05d}"  # unique per registry, as IONOS requires


@dataclass
class FlowDriver:
    poster: SignedPoster
    watcher: Watcher
    slack: FakeSlack
    hooks: str
    registry_id: str
    acks: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    async def flow(self, index: int) -> None:
        user, name = requester(index), token_name(index)
        view = await self.open_modal(user)
        request_id = await self.submit(user, name, view, index)
        ts = await self.approve(user, request_id)
        await self.collect(user, request_id, ts)

    async def open_modal(self, user: str) -> dict[str, Any]:
        trigger = trigger_id()
        opened = self._expect(
            lambda c, _: c.method == "views.open" and c.payload.get("trigger_id") == trigger
        )
        await self._send(
            "command", command(f"request {REGISTRY}", user=user, hooks=self.hooks, trigger=trigger)
        )
        view = (await self._wait(opened, "command")).payload["view"]
        return view if isinstance(view, dict) else dict(json.loads(view))

    async def submit(self, user: str, name: str, view: dict[str, Any], index: int) -> str:
        dm = dm_channel(user)
        posted = self._expect(
            lambda c, text: (
                c.method == "chat.postMessage"
                and c.payload.get("channel") == APPROVAL_CHANNEL
                and name in text
            )
        )
        told = self._expect(
            lambda c, _: c.method == "chat.postMessage" and c.payload.get("channel") in (dm, user)
        )
        body = submission(view | {"id": f"VB{index:08d}"}, self._values(name), user=user)
        if text := await self._send("submit", body):
            raise FlowFailed("submit", text[:200])
        post = await self._wait(posted, "submit")
        await self._wait(told, "submit")
        return button_value(post.payload, ActionId.APPROVE)

    async def approve(self, user: str, request_id: str) -> str:
        dm, url = dm_channel(user), response_url(self.hooks, "actions")
        replied = self._reply_to(url)
        collectable = self._expect(
            lambda c, text: (
                c.method == "chat.postMessage"
                and c.payload.get("channel") == dm
                and ActionId.COLLECT in text
                and request_id in text
            )
        )
        await self._send(
            "approve",
            button(
                ActionId.APPROVE,
                request_id,
                user=APPROVER,
                channel=APPROVAL_CHANNEL,
                message_ts="1700000000.000100",  # the bot edits the post it stored, not this
                url=url,
            ),
        )
        reply = await self._wait(replied, "approve")
        if "Approved" not in str(reply.payload.get("text", "")):
            raise FlowFailed("approve", str(reply.payload.get("text", ""))[:200])
        await self._wait(collectable, "approve")
        shown = [m for m in self.slack.messages_in(dm) if request_id in json.dumps(m)]
        return str(shown[-1]["ts"])

    async def collect(self, user: str, request_id: str, ts: str) -> None:
        dm, url = dm_channel(user), response_url(self.hooks, "actions")
        path = urlparse(url).path
        done = self._expect(
            lambda c, _: (
                (
                    c.method == "chat.update"
                    and c.payload.get("channel") == dm
                    and c.payload.get("ts") == ts
                )
                or (c.method == "response_url" and c.path == path)
            )
        )
        await self._send(
            "collect",
            button(ActionId.COLLECT, request_id, user=user, channel=dm, message_ts=ts, url=url),
        )
        call = await self._wait(done, "collect")
        if call.method == "response_url":
            raise FlowFailed("collect", str(call.payload.get("text", ""))[:200])

    # -- helpers ---------------------------------------------------------------------------

    def _values(self, name: str) -> dict[str, dict[str, dict[str, Any]]]:
        expiry = (date.today() + timedelta(days=10)).isoformat()
        return {
            BlockId.REGISTRY: {ActionId.REGISTRY: _select(self.registry_id)},
            BlockId.TOKEN_NAME: {ActionId.INPUT: {"type": "plain_text_input", "value": name}},
            BlockId.EXPIRY: {ActionId.INPUT: {"type": "datepicker", "selected_date": expiry}},
            BlockId.REASON: {ActionId.INPUT: {"type": "plain_text_input", "value": "benchmark"}},
            BlockId.scope_repo(0): {
                ActionId.INPUT: {"type": "plain_text_input", "value": "team/app"}
            },
            BlockId.scope_actions(0): {
                ActionId.INPUT: {"type": "checkboxes", "selected_options": [_option("pull")]}
            },
        }

    def _expect(self, match: Match) -> asyncio.Future[SlackCall]:
        return self.watcher.expect(match)

    def _reply_to(self, url: str) -> asyncio.Future[SlackCall]:
        path = urlparse(url).path
        return self._expect(lambda c, _: c.method == "response_url" and c.path == path)

    async def _send(self, step: str, body: bytes) -> str:
        ack = await self.poster.post(body)
        self.acks[step].append(ack.seconds)
        if ack.status != 200:
            raise FlowFailed(step, f"HTTP {ack.status}: {ack.text[:200]}")
        return ack.text

    @staticmethod
    async def _wait(future: asyncio.Future[SlackCall], step: str) -> SlackCall:
        try:
            return await asyncio.wait_for(future, STEP_LIMIT)
        except TimeoutError:
            raise FlowFailed(step, f"nothing reached Slack within {STEP_LIMIT:g} s") from None


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value}, "value": value}


def _select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": _option(value)}


def button_value(payload: dict[str, Any], action_id: str) -> str:
    for block in payload.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise FlowFailed("submit", f"no {action_id} button in the approval message")
