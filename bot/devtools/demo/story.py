"""The story `regbot demo` plays, as real signed Slack traffic, printed as a transcript of what
each person sees."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TextIO

from bot.devtools.demo.transcript import render_call, wrap
from bot.devtools.demo.world import APPROVALS, CHANNELS, PEOPLE, World
from bot.devtools.slack import RESPONSE_URL, SlackCall
from bot.devtools.slack_driver import checkboxes, date_value, select_value, text_value
from bot.store.audit import AuditLog
from handlers.ids import ActionId, BlockId, Callback

Say = Callable[[str], None]


class Story:
    def __init__(self, world: World, out: TextIO) -> None:
        self.world = world
        self.out = out
        self._seen = 0
        self._password_shown = False

    # -- printing -------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def step(self, number: int, text: str) -> None:
        self.say(f"\n{number}. {text}")

    def _who(self, call: SlackCall, actor: str) -> str:
        channel = str(call.payload.get("channel", ""))
        if call.method == "chat.postEphemeral":
            user = PEOPLE.get(str(call.payload.get("user")), "?")
            return f"{user} sees, only for them, in their DM with regbot"
        if call.method == RESPONSE_URL:
            return f"{PEOPLE[actor]} sees, only for them"
        if call.method == "views.publish":
            user = PEOPLE.get(str(call.payload.get("user_id")), "?")
            return f"{user}'s Home tab in regbot (the app's page in Slack's sidebar)"
        if call.method.startswith("views."):
            return f"{PEOPLE[actor]} sees a form"
        where = CHANNELS.get(channel) or PEOPLE.get(channel.removeprefix("D")) or channel
        if channel.startswith(("D", "U")):
            where = (
                f"{PEOPLE.get(channel[1:] if channel.startswith('D') else channel, channel)}'s DM"
            )
        verb = "updated message in" if call.method == "chat.update" else "new message in"
        return f"{verb} {where}"

    def show_new(self, actor: str) -> None:
        """Print every Slack call made since the last look, as the people see it."""
        calls = self.world.slack.calls[self._seen :]
        self._seen = len(self.world.slack.calls)
        for call in calls:
            if call.method not in (
                "chat.postMessage",
                "chat.update",
                "chat.postEphemeral",
                "views.open",
                "views.update",
                "views.publish",
                RESPONSE_URL,
            ):
                continue
            lines = render_call(call.method, call.payload)
            lines = [self._mask(line) for line in lines]
            self.say(f"  ▸ {self._who(call, actor)}:")
            self.say(wrap(lines))

    def _mask(self, line: str) -> str:
        for registry in self.world.registries.values():
            for token in self.world.ionos.tokens(registry.id):
                if token.password and token.password in line:
                    self._password_shown = True
                    shown = token.password[:4] + "…" + " (in full in Slack; masked here)"
                    line = line.replace(token.password, shown)
        return line

    # -- acting ---------------------------------------------------------------------------

    async def command(self, user: str, text: str) -> None:
        self.say(f"  {PEOPLE[user]} types: /regtoken {text}")
        await self.world.driver.command(text, user_id=user)
        await self.world.settle()
        self.show_new(user)

    async def click(
        self, user: str, label: str, action: str, value: str, channel: str, ts: str | None = None
    ) -> None:
        self.say(f"  {PEOPLE[user]} clicks [ {label} ]")
        await self.world.driver.block_action(
            action, user_id=user, value=value, channel_id=channel, message_ts=ts
        )
        await self.world.settle()
        self.show_new(user)

    async def submit(
        self, user: str, callback: str, view: dict[str, Any], values: dict[str, Any]
    ) -> None:
        self.say(f"  {PEOPLE[user]} fills in the form and submits it")
        reply = await self.world.driver.view_submission(
            callback,
            user_id=user,
            values=values,
            private_metadata=view["private_metadata"],
            view=view,
        )
        if reply.json and reply.json.get("response_action") == "errors":
            raise RuntimeError(f"the form was refused: {reply.json['errors']}")
        await self.world.settle()
        self.show_new(user)

    async def open_home(self, user: str) -> None:
        self.say(f"  {PEOPLE[user]} opens regbot's Home tab")
        await self.world.driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
        await self.world.settle()
        self.show_new(user)

    async def click_home(self, user: str, label: str, action: str, value: str) -> None:
        self.say(f"  {PEOPLE[user]} clicks [ {label} ] on her Home tab")
        home = self.world.slack.home_of(user)
        await self.world.driver.block_action(action, user_id=user, value=value, view=home)
        await self.world.settle()
        self.show_new(user)

    def home_button(self, user: str, action: str) -> str:
        for block in self.world.slack.home_of(user).get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") == action:
                    return str(element["value"])
        raise RuntimeError(f"no {action} button on the Home of {user}")

    # -- reading what happened ------------------------------------------------------------

    def last_view(self) -> dict[str, Any]:
        opened = [c for c in self.world.slack.calls if c.method in ("views.open", "views.update")]
        view = opened[-1].payload["view"]
        return view if isinstance(view, dict) else dict(json.loads(view))

    def button(self, channel: str, action: str) -> tuple[str, str]:
        """(value, ts) of the newest message in `channel` carrying `action`."""
        for message in reversed(self.world.slack.messages_in(channel)):
            for block in message.get("blocks") or []:
                for element in block.get("elements") or []:
                    if element.get("action_id") == action:
                        return str(element["value"]), str(message["ts"])
        raise RuntimeError(f"no {action} button in {channel}")


async def play(world: World, out: TextIO) -> int:
    story = Story(world, out)
    if world.redis_notice:
        story.say(world.redis_notice)
    story.say(
        "regbot demo — stand-ins for Slack and IONOS, a private Redis, the real bot over "
        "HTTP with signed Slack requests."
    )
    story.say("People: Dana (developer), Alex and Bea (approvers of every registry).")
    now = world.bot.services.clock.now()
    team = world.registries["team-registry"]

    story.step(1, "Dana asks for a push token for the team registry.")
    await story.command("UDANA", "request team-registry")
    view = story.last_view()
    expiry = (now + timedelta(days=30)).date().isoformat()
    await story.submit(
        "UDANA",
        Callback.REQUEST_MODAL,
        view,
        {
            BlockId.REGISTRY: {ActionId.REGISTRY: select_value(team.id)},
            BlockId.TOKEN_NAME: {ActionId.INPUT: text_value("dana-ci-push")},
            BlockId.scope_repo(0): {ActionId.INPUT: text_value("team/app")},
            BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull", "push"])},
            BlockId.EXPIRY: {ActionId.INPUT: date_value(expiry)},
            BlockId.REASON: {ActionId.INPUT: text_value("CI pipeline of team/app pushes images")},
        },
    )

    story.step(2, "Alex approves it in #registry-approvals.")
    request_id, ts = story.button(APPROVALS, ActionId.APPROVE)
    await story.click("UALEX", "Approve", ActionId.APPROVE, request_id, APPROVALS, ts)

    story.step(3, "Dana collects the token: it is created now, the password shown once.")
    value, ts = story.button("DUDANA", ActionId.COLLECT)
    await story.click(
        "UDANA", "Create token and show password", ActionId.COLLECT, value, "DUDANA", ts
    )
    created = [t.name for t in world.ionos.tokens(team.id)]
    story.say(f"  IONOS now has on team-registry: {', '.join(sorted(created))}")

    story.step(4, "The expiry sweep runs: Bea's deploy token expires in 2 days.")
    report = await world.bot.reminders.sweep(world.bot.services.clock.now())
    story.show_new("UBEA")
    story.say(
        f"  sweep: {report.registries} registries, {report.tokens} tokens, "
        f"{report.reminders_sent} reminders, {report.digests_sent} digests"
    )

    story.step(5, "Bea extends it for 30 more days; Alex approves the extension.")
    value, ts = story.button("DUBEA", ActionId.EXTEND)
    await story.click("UBEA", "Extend", ActionId.EXTEND, value, "DUBEA", ts)
    view = story.last_view()
    later = (now + timedelta(days=32)).date().isoformat()
    await story.submit(
        "UBEA",
        Callback.EXTEND_MODAL,
        view,
        {
            BlockId.EXPIRY: {ActionId.INPUT: date_value(later)},
            BlockId.REASON: {ActionId.INPUT: text_value("deploys continue next month")},
        },
    )
    request_id, ts = story.button(APPROVALS, ActionId.APPROVE)
    await story.click("UALEX", "Approve", ActionId.APPROVE, request_id, APPROVALS, ts)
    prod = world.registries["prod-registry"]
    bea = next(t for t in world.ionos.tokens(prod.id) if t.name == "bea-deploy")
    story.say(
        f"  IONOS: bea-deploy now expires {bea.expiry:%Y-%m-%d %H:%M} UTC"
        if bea.expiry
        else "  IONOS: bea-deploy has no expiry"
    )

    story.step(6, "Dana opens regbot's Home tab: her token and her requests, nothing secret.")
    await story.open_home("UDANA")

    story.step(7, "Dana asks for a prod pull token, then withdraws it from her Home tab.")
    await story.command("UDANA", "request prod-registry")
    await story.submit(
        "UDANA",
        Callback.REQUEST_MODAL,
        story.last_view(),
        {
            BlockId.REGISTRY: {ActionId.REGISTRY: select_value(prod.id)},
            BlockId.TOKEN_NAME: {ActionId.INPUT: text_value("dana-prod-pull")},
            BlockId.scope_repo(0): {ActionId.INPUT: text_value("team/app")},
            BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])},
            BlockId.EXPIRY: {ActionId.INPUT: date_value(expiry)},
            BlockId.REASON: {ActionId.INPUT: text_value("debugging a prod image")},
        },
    )
    request_id = story.home_button("UDANA", ActionId.CANCEL_REQUEST)
    await story.click_home("UDANA", "Cancel request", ActionId.CANCEL_REQUEST, request_id)

    story.step(8, "The audit trail, and its hash chain.")
    audit = AuditLog(world.bot.redis, world.bot.keys)
    entries = list(reversed(await audit.latest(50)))
    for entry in entries:
        story.say(
            f"    {entry.at:%H:%M:%S} {PEOPLE.get(entry.actor, entry.actor):18} "
            f"{entry.action!s:18} {entry.outcome!s:8} {entry.detail[:40]}"
        )
    check = await audit.verify()
    story.say(
        f"  regbot audit verify: {'ok' if check.ok else 'BROKEN'}, {check.checked} entries checked"
    )
    ok = check.ok and story._password_shown and bea.expiry is not None
    story.say(
        "\nThe end: the password went to one ephemeral message only; everything is on the record."
        if ok
        else "\nThe demo did not go as expected."
    )
    return 0 if ok else 1
