"""People using regbot through Slack while something fails: each flow is a requester asking for
a token, an approver approving it and the requester collecting the password — and, like a
person, trying again when told to in words. Every step's outcome is kept: ``done``, ``words``
(what the person was told) or ``silent`` (no answer at all: a failure of the bot).

Each person has a driver of their own, so the ``response_url`` of their last click tells their
answers apart from everyone else's.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.devtools.ionos import FakeIonos, FakeRegistry
from bot.devtools.slack import FakeSlack, SlackCall
from bot.devtools.slack_driver import SlackDriver, checkboxes, date_value, select_value, text_value
from handlers.ids import ActionId, BlockId, Callback
from tests.reliability.flow import fresh_view

APPROVALS = "CAPPROVALS"
ATTEMPTS = 40  # per step; a person gives up after that (the flow is then "answered")
PAUSE = 0.3  # between a "try again" and the retry
STEP_LIMIT = 10.0  # seconds to wait for any answer to one attempt; past it: silent


class TracingDriver(SlackDriver):
    """Remembers the response_url path of its latest click."""

    last_path = ""

    def _response_url(self, kind: str) -> str:
        url = super()._response_url(kind)
        self.last_path = urlsplit(url).path
        return url


@dataclass
class Flow:
    name: str
    requester: str
    approver: str
    request_id: str | None = None
    told_pending: bool = False
    told_approved: bool = False
    collected: bool = False
    answered: str = ""  # the words the person gave up on, if they did
    events: list[tuple[float, str, str, str]] = field(default_factory=list)

    def note(self, step: str, outcome: str, words: str = "") -> None:
        self.events.append((time.time(), step, outcome, words[:300]))

    @property
    def silent(self) -> list[tuple[float, str, str, str]]:
        return [e for e in self.events if e[2] == "silent"]


def _text(call: SlackCall) -> str:
    return json.dumps(call.payload, ensure_ascii=False)


def _button(call: SlackCall, action_id: str) -> str | None:
    for block in call.payload.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return str(element["value"])
    return None


@dataclass
class Person:
    driver: TracingDriver
    slack: FakeSlack
    ionos: FakeIonos
    registry: FakeRegistry
    today: date

    async def run(self, flow: Flow) -> Flow:
        for step in (self.submit, self.approve, self.collect):
            if not await step(flow):
                return flow
        return flow

    # -- the three steps ------------------------------------------------------------------
    async def submit(self, flow: Flow) -> bool:
        view = fresh_view()  # one modal: every resubmission carries its nonce
        for _ in range(ATTEMPTS):
            seen = len(self.slack.calls)
            reply = await self.driver.view_submission(
                Callback.REQUEST_MODAL,
                user_id=flow.requester,
                values=self._values(flow.name),
                private_metadata=view["private_metadata"],
                view=view,
            )
            if reply.status != 200:
                flow.note("submit", "silent", f"HTTP {reply.status}")
            elif reply.json and reply.json.get("response_action") == "errors":
                flow.note("submit", "words", json.dumps(reply.json["errors"]))
            else:
                post = await self._wait(lambda: self._approval_post(flow.name))
                if post is not None:
                    flow.request_id = _button(post, ActionId.APPROVE)
                    flow.told_pending = True
                    flow.note("submit", "done")
                    return True
                words = self._dm_words(flow.requester, seen)
                flow.note("submit", "words" if words else "silent", words)
            await asyncio.sleep(PAUSE)
        flow.answered = flow.events[-1][3]
        return False

    async def approve(self, flow: Flow) -> bool:
        assert flow.request_id
        for _ in range(ATTEMPTS):
            reply = await self.driver.block_action(
                ActionId.APPROVE, user_id=flow.approver, value=flow.request_id, channel_id=APPROVALS
            )
            path = self.driver.last_path
            if reply.status != 200:
                flow.note("approve", "silent", f"HTTP {reply.status}")
            else:
                outcome = await self._wait(
                    lambda path=path: self._collect_button(flow) or self._words_on(path)
                )
                if isinstance(outcome, SlackCall) and outcome.method != "response_url":
                    flow.told_approved = True
                    flow.note("approve", "done")
                    return True
                words = _text(outcome) if outcome is not None else ""
                if "already approved" in words.lower():
                    flow.told_approved = True  # the first click's approval was kept
                    flow.note("approve", "done", words)
                    return True
                flow.note("approve", "words" if words else "silent", words)
            await asyncio.sleep(PAUSE)
        flow.answered = flow.events[-1][3]
        return False

    async def collect(self, flow: Flow) -> bool:
        assert flow.request_id
        dm = f"D{flow.requester}"
        for _ in range(ATTEMPTS):
            reply = await self.driver.block_action(
                ActionId.COLLECT, user_id=flow.requester, value=flow.request_id, channel_id=dm
            )
            path = self.driver.last_path
            if reply.status != 200:
                flow.note("collect", "silent", f"HTTP {reply.status}")
            else:
                outcome = await self._wait(
                    lambda path=path: self._password_shown(flow.name) or self._words_on(path)
                )
                if outcome is True:
                    flow.collected = True
                    flow.note("collect", "done")
                    return True
                words = _text(outcome) if isinstance(outcome, SlackCall) else ""
                if "password is shown above" in words and self._password_shown(flow.name):
                    flow.collected = True  # shown; its record follows in the background
                    flow.note("collect", "done", words)
                    return True
                flow.note("collect", "words" if words else "silent", words)
            await asyncio.sleep(PAUSE)
        flow.answered = flow.events[-1][3]
        return False

    # -- what the person sees -------------------------------------------------------------
    async def _wait(self, seen: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + STEP_LIMIT
        while time.monotonic() < deadline:
            found = seen()
            if found:
                return found
            await asyncio.sleep(0.02)
        return None

    def _approval_post(self, name: str) -> SlackCall | None:
        for call in self.slack.calls_to("chat.postMessage"):
            shown = call.payload.get("channel") == APPROVALS and name in _text(call)
            if shown and _button(call, ActionId.APPROVE):
                return call
        return None

    def _collect_button(self, flow: Flow) -> SlackCall | None:
        for call in self.slack.calls_to("chat.postMessage"):
            to_requester = call.payload.get("channel") in (flow.requester, f"D{flow.requester}")
            if to_requester and _button(call, ActionId.COLLECT) == flow.request_id:
                return call
        return None

    def _words_on(self, path: str) -> SlackCall | None:
        for call in self.slack.calls_to("response_url"):
            if call.path == path and call.payload.get("response_type") == "ephemeral":
                return call
        return None

    def _dm_words(self, user: str, since: int) -> str:
        return " ".join(
            _text(c)
            for c in self.slack.calls[since:]
            if c.method == "chat.postMessage" and c.payload.get("channel") == user
        )

    def _password_shown(self, name: str) -> bool:
        made = [t for t in self.ionos.tokens(self.registry.id) if t.name == name]
        return any(t.password in _text(c) for t in made for c in self.slack.calls)

    def _values(self, name: str) -> dict[str, dict[str, dict[str, Any]]]:
        return {
            BlockId.REGISTRY: {ActionId.REGISTRY: select_value(self.registry.id)},
            BlockId.TOKEN_NAME: {ActionId.INPUT: text_value(name)},
            BlockId.EXPIRY: {
                ActionId.INPUT: date_value((self.today + timedelta(days=10)).isoformat())
            },
            BlockId.REASON: {ActionId.INPUT: text_value("failover drill")},
            BlockId.scope_repo(0): {ActionId.INPUT: text_value("team/app")},
            BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])},
        }
