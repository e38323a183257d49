"""The whole bot over HTTP: signed Slack traffic in, stand-ins for Slack and IONOS behind.

`Harness` starts nothing itself; the `harness` fixture (conftest) wires a real bot
(`bot.runtime.wiring.assemble`) to a private Redis, the IONOS stand-in (contract-checked) and the
Slack stand-in, serves it on a free port, and hands tests a driver plus helpers that read
what the stand-ins saw.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import redis.asyncio as aioredis

from bot.devtools.ionos import FakeIonos, FakeRegistry
from bot.devtools.slack import FakeSlack, SlackCall
from bot.devtools.slack_driver import SlackDriver, checkboxes, date_value, select_value, text_value
from bot.runtime.wiring import Bot
from bot.store.keys import Keys
from handlers.ids import ActionId, BlockId, Callback

APPROVAL_CHANNEL = "CAPPROVALS"
PROD_APPROVAL_CHANNEL = "CPRODAPPROVALS"
SIGNING_SECRET = "test-signing-secret"


def policy_mapping() -> dict[str, Any]:
    return {
        "defaults": {
            "approvers": ["SAPPROVERS"],
            "approval_channel": APPROVAL_CHANNEL,
            "max_expiry_days": 90,
            "default_expiry_days": 30,
        },
        "registries": {
            "prod-registry": {
                "approvers": ["UAPP1", "UAPP2"],
                "approval_channel": PROD_APPROVAL_CHANNEL,
                "quorum": {"push": 2},
            }
        },
    }


@dataclass
class Harness:
    driver: SlackDriver
    slack: FakeSlack
    ionos: FakeIonos
    bot: Bot
    redis: aioredis.Redis
    keys: Keys
    registries: dict[str, FakeRegistry] = field(default_factory=dict)

    def today(self) -> date:
        """Today by the bot's clock (a `FakeClock` in modules that override ``clock``)."""
        return self.bot.services.clock.now().date()

    # -- waiting for work done after the ack ---------------------------------------------

    async def wait_for(self, condition: Callable[[], object], what: str, limit: float = 10) -> None:
        """Slack gets its ack first; the rest happens after. Wait (bounded) until the
        stand-ins show `condition`; a behaviour check, not a timing one."""
        async with asyncio.timeout(limit):
            while not condition():
                await asyncio.sleep(0.01)
        assert condition(), what

    async def settle(self) -> None:
        """Wait until the bot has no listener work left (Bolt runs it as tasks)."""
        async with asyncio.timeout(30):
            while any(
                "run_ack_function_asynchronously" in getattr(t.get_coro(), "__qualname__", "")
                for t in asyncio.all_tasks()
            ):
                await asyncio.sleep(0.005)

    # -- reading what Slack saw ----------------------------------------------------------

    def calls(self, method: str) -> list[SlackCall]:
        return self.slack.calls_to(method)

    def last_opened_view(self) -> dict[str, Any]:
        opened = [c for c in self.slack.calls if c.method in ("views.open", "views.update")]
        assert opened, "no modal was opened"
        view = opened[-1].payload["view"]
        return view if isinstance(view, dict) else json.loads(view)

    def approval_posts(self, channel: str = APPROVAL_CHANNEL) -> list[SlackCall]:
        return [c for c in self.calls("chat.postMessage") if c.payload.get("channel") == channel]

    def dms_to(self, user: str) -> list[SlackCall]:
        dm = f"D{user}"
        return [c for c in self.calls("chat.postMessage") if c.payload.get("channel") in (dm, user)]

    def ephemerals_to(self, user: str) -> list[SlackCall]:
        return [c for c in self.calls("chat.postEphemeral") if c.payload.get("user") == user]

    def responses(self) -> list[SlackCall]:
        return self.slack.calls_to("response_url")

    @staticmethod
    def button_value(call: SlackCall, action_id: str) -> str:
        for block in call.payload.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") == action_id:
                    return str(element["value"])
        raise AssertionError(f"no {action_id} button in {call.method}")

    @staticmethod
    def text_of(call: SlackCall) -> str:
        return json.dumps(call.payload, ensure_ascii=False)

    # -- acting as people ----------------------------------------------------------------

    async def open_request_modal(self, user: str, registry: str | None = None) -> dict[str, Any]:
        reply = await self.command(f"request {registry or ''}".strip(), user)
        assert reply.status == 200, reply.text
        return self.last_opened_view()

    async def command(self, text: str, user: str) -> Any:
        reply = await self.driver.command(text, user_id=user)
        await self.settle()
        return reply

    async def submit_request(
        self,
        user: str,
        *,
        registry: str = "team-registry",
        name: str = "ci-push",
        scopes: list[tuple[str, list[str]]] | None = None,
        expiry: date | None = None,
        reason: str = "CI pipeline of team/app",
        view: dict[str, Any] | None = None,
    ) -> Any:
        view = view or await self.open_request_modal(user, registry)
        values: dict[str, dict[str, dict[str, Any]]] = {
            BlockId.REGISTRY: {
                ActionId.REGISTRY: select_value(self.registries[registry].id)
                if registry in self.registries
                else select_value(None)
            },
            BlockId.TOKEN_NAME: {ActionId.INPUT: text_value(name)},
            BlockId.EXPIRY: {
                ActionId.INPUT: date_value(
                    (expiry or self.today() + timedelta(days=10)).isoformat()
                )
            },
            BlockId.REASON: {ActionId.INPUT: text_value(reason)},
        }
        for index, (repo, actions) in enumerate(scopes or [("team/app", ["pull", "push"])]):
            values[BlockId.scope_repo(index)] = {ActionId.INPUT: text_value(repo)}
            values[BlockId.scope_actions(index)] = {ActionId.INPUT: checkboxes(actions)}
        reply = await self.driver.view_submission(
            Callback.REQUEST_MODAL,
            user_id=user,
            values=values,
            private_metadata=view["private_metadata"],
            view=view,
        )
        await self.settle()
        return reply

    async def request_id_posted(self, channel: str = APPROVAL_CHANNEL) -> str:
        posts = self.approval_posts(channel)
        assert posts, f"nothing was posted to {channel}"
        return self.button_value(posts[-1], ActionId.APPROVE)

    async def click(
        self,
        action_id: str,
        user: str,
        value: str,
        *,
        channel: str = APPROVAL_CHANNEL,
        message_ts: str | None = None,
    ) -> Any:
        reply = await self.driver.block_action(
            action_id, user_id=user, value=value, channel_id=channel, message_ts=message_ts
        )
        await self.settle()
        return reply

    async def collect(self, user: str, request_id: str) -> Any:
        dm = f"D{user}"
        approved = [c for c in self.dms_to(user) if ActionId.COLLECT in self.text_of(c)]
        assert approved, "the requester got no collect button"
        # click the DM message itself, so the bot's chat.update finds it
        shown = [m for m in self.slack.messages_in(dm) if ActionId.COLLECT in json.dumps(m)]
        ts = shown[-1]["ts"] if shown else None
        return await self.click(ActionId.COLLECT, user, request_id, channel=dm, message_ts=ts)

    async def issue_token(
        self,
        user: str,
        registry: str = "team-registry",
        name: str = "ci-push",
        *,
        approver: str = "UAPP1",
    ) -> str:
        """Run the real flow (request, one approval, collect) and return the new token's id.
        The scope asks only for pull, so one approval is enough on every registry."""
        channel = PROD_APPROVAL_CHANNEL if registry == "prod-registry" else APPROVAL_CHANNEL
        reply = await self.submit_request(
            user, registry=registry, name=name, scopes=[("team/app", ["pull"])]
        )
        assert reply.status == 200 and not reply.text, reply.text
        request_id = await self.request_id_posted(channel)
        await self.click(ActionId.APPROVE, approver, request_id, channel=channel)
        await self.collect(user, request_id)
        registry_id = self.registries[registry].id
        made = [t for t in self.ionos.tokens(registry_id) if t.name == name]
        assert made, f"no token {name} on {registry} after collecting"
        return made[0].id

    # -- the Home tab ----------------------------------------------------------------------

    async def homes_settled(self) -> None:
        """Listener work done, then every Home republish it caused (a background worker)."""
        await self.settle()
        await self.bot.services.home.updates.idle()

    def homes_published(self, user: str) -> list[dict[str, Any]]:
        """Every Home view published to `user`, oldest first."""
        calls = [c for c in self.calls("views.publish") if c.payload.get("user_id") == user]
        return [c.payload["view"] for c in calls]

    def home(self, user: str) -> dict[str, Any]:
        """The Home `user` sees now (as the Slack stand-in keeps it)."""
        return self.slack.home_of(user)

    def has_home(self, user: str) -> bool:
        """Whether Slack (the stand-in) has taken a Home view for `user`."""
        try:
            self.slack.home_of(user)
        except KeyError:
            return False
        return True

    async def open_home(self, user: str) -> dict[str, Any]:
        reply = await self.driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
        assert reply.status == 200, reply.text
        await self.homes_settled()
        return self.home(user)

    async def click_home(self, action_id: str, user: str, value: str) -> Any:
        """A click on a button of `user`'s Home tab (no response_url, as from Slack)."""
        reply = await self.driver.block_action(
            action_id, user_id=user, value=value, view=self.home(user)
        )
        await self.homes_settled()
        return reply
