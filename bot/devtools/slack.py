"""A stand-in for Slack's Web API: a real aiohttp server that answers and records every call.

Tests and the demo point ``AsyncWebClient(base_url=...)`` at it. It keeps just enough state to
answer like Slack does — messages per channel, views with their hashes, users, user groups —
and records each call (method, parsed payload, token) for assertions. Failures are queued
per method with `FakeSlack.fail`. Interaction ``response_url`` posts land on ``/hooks/...``
and are recorded as method ``"response_url"`` (see `hooks_url`).

The bot token is checked like Slack does (``not_authed`` / ``invalid_auth``) and kept out of
every ``repr``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.devtools.slack_messages import FakeMessages, SlackApiFailure
from bot.devtools.slack_views import FakeViews
from bot.domain.clock import Clock, SystemClock

RESPONSE_URL = "response_url"
_JSON_FIELDS = ("blocks", "view", "attachments", "metadata")


@dataclass(frozen=True)
class SlackCall:
    """One request the fake received. ``path`` tells response-URL posts apart."""

    method: str
    payload: dict[str, Any]
    token: str | None = field(repr=False)
    path: str = field(default="", compare=False)
    # the caller's (host, port): calls from one kept-alive connection share it
    peer: tuple[str, int] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class _Failure:
    status: int
    error: str | None
    retry_after: int | None


_Handler = Callable[[dict[str, Any]], dict[str, Any]]


class FakeSlack:
    def __init__(
        self,
        *,
        bot_user_id: str = "UBOT",
        team_id: str = "T0001",
        bot_token: str = "xoxb-fake",  # noqa: S107 - a fake token for a fake Slack
        clock: Clock | None = None,
    ) -> None:
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self.bot_id = "B" + bot_user_id.removeprefix("U")
        self._bot_token = bot_token
        self.calls: list[SlackCall] = []
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._gates: dict[str, asyncio.Event] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._messages = FakeMessages(
            team_id=team_id,
            bot_user_id=bot_user_id,
            bot_id=self.bot_id,
            clock=clock or SystemClock(),
        )
        self._views = FakeViews(team_id=team_id, bot_id=self.bot_id)
        self._handlers: dict[str, _Handler] = {
            "auth.test": self._auth_test,
            "conversations.open": self._messages.conversations_open,
            "chat.postMessage": self._messages.post_message,
            "chat.postEphemeral": self._messages.post_ephemeral,
            "chat.update": self._messages.update,
            "chat.delete": self._messages.delete,
            "views.open": self._views.open,
            "views.push": self._views.push,
            "views.update": self._views.update,
            "views.publish": self._views.publish,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroup_users,
        }

    def __repr__(self) -> str:
        return f"FakeSlack(team_id={self.team_id!r}, bot_user_id={self.bot_user_id!r})"

    # -- set-up and assertions ---------------------------------------------------------------

    def add_user(
        self, user_id: str, name: str, *, tz: str = "Europe/Berlin", is_bot: bool = False
    ) -> None:
        self._users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": name,
            "deleted": False,
            "tz": tz,
            "tz_label": tz,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": {"real_name": name, "display_name": name, "team": self.team_id},
        }

    def deactivate_user(self, user_id: str) -> None:
        """The person left: ``users.info`` answers ``deleted: true`` as Slack does."""
        self._users[user_id]["deleted"] = True

    def set_usergroup(self, group_id: str, members: list[str]) -> None:
        self._usergroups[group_id] = list(members)

    def fail(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail: 429, 5xx, or 200 with ``ok: false``."""
        if status == 200 and error is None:
            raise ValueError("a 200 failure needs an error code, e.g. error='channel_not_found'")
        if status == 429 and retry_after is None:
            retry_after = 1  # Slack always says how long to wait
        self._failures[method].extend([_Failure(status, error, retry_after)] * times)

    def hold(self, method: str) -> asyncio.Event:
        """A deliberately slow dependency: calls of `method` are recorded, then wait unanswered
        until the returned event is set (the test decides when Slack "answers")."""
        gate = asyncio.Event()
        self._gates[method] = gate
        return gate

    def calls_to(self, method: str) -> list[SlackCall]:
        return [call for call in self.calls if call.method == method]

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages now in `channel` (posted, then updated or deleted), oldest first."""
        return self._messages.messages_in(channel)

    def view(self, view_id: str) -> dict[str, Any]:
        """The current state of a view opened, pushed, updated or published through the fake."""
        return self._views.get(view_id)

    def latest_view(self) -> dict[str, Any]:
        """The view opened, pushed, updated or published last, as the fake keeps it."""
        return self._views.latest()

    def home_of(self, user_id: str) -> dict[str, Any]:
        """The Home tab `user_id` sees (the last ``views.publish`` for them)."""
        return self._views.get("VH" + user_id)

    def app(self) -> web.Application:
        app = web.Application()
        self.add_routes(app)
        return app

    def add_routes(self, app: web.Application) -> None:
        """The Web API and the ``response_url`` hooks, added to `app` after any routes of its
        own (Socket Mode's, see `bot.devtools.slack_socket`)."""
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/hooks/{tail:.*}", self._handle_hook)

    def record(self, call: SlackCall) -> None:
        """Record a call answered elsewhere (e.g. ``apps.connections.open``)."""
        self.calls.append(call)

    # -- HTTP ----------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        payload = await _read_payload(request)
        form_token = payload.pop("token", None)
        token = _bearer(request) or form_token
        self.calls.append(SlackCall(method, payload, token, request.path, _peer(request)))
        gate = self._gates.get(method)
        if gate is not None:
            await gate.wait()
        if failed := self._injected_failure(method):
            return failed
        if token is None:
            return _answer({"ok": False, "error": "not_authed"})
        if token != self._bot_token:
            return _answer({"ok": False, "error": "invalid_auth"})
        handler = self._handlers.get(method, _default)
        try:
            return _answer(handler(payload))
        except SlackApiFailure as failure:
            return _answer(failure.body())

    async def _handle_hook(self, request: web.Request) -> web.Response:
        payload = await _read_payload(request)
        payload.pop("token", None)
        self.calls.append(SlackCall(RESPONSE_URL, payload, None, request.path, _peer(request)))
        return self._injected_failure(RESPONSE_URL) or _answer({"ok": True})

    def _injected_failure(self, method: str) -> web.Response | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue.popleft()
        headers = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
        default = "ratelimited" if failure.status == 429 else "internal_error"
        body = {"ok": False, "error": failure.error or default}
        return web.json_response(body, status=failure.status, headers=headers)

    # -- methods -------------------------------------------------------------------------------

    def _auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "user": "regbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _users_info(self, payload: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(str(payload.get("user", "")))
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {"ok": True, "user": json.loads(json.dumps(user))}

    def _usergroup_users(self, payload: dict[str, Any]) -> dict[str, Any]:
        members = self._usergroups.get(str(payload.get("usergroup", "")))
        if members is None:
            raise SlackApiFailure("no_such_subteam")
        return {"ok": True, "users": list(members)}


def _default(_: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True}


def _answer(body: dict[str, Any]) -> web.Response:
    return web.json_response(body)


def _bearer(request: web.Request) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip() or None


async def _read_payload(request: web.Request) -> dict[str, Any]:
    """Query string merged with the JSON or form body; JSON-string fields decoded."""
    payload: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            body = {}  # Slack would say invalid_json; the recorded call shows what arrived
        payload.update(body if isinstance(body, dict) else {})
    elif request.can_read_body:
        payload.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    for key in _JSON_FIELDS:
        if isinstance(payload.get(key), str):
            with contextlib.suppress(ValueError):
                payload[key] = json.loads(payload[key])
    return payload


def _peer(request: web.Request) -> tuple[str, int] | None:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return (str(peer[0]), int(peer[1])) if peer else None


def hooks_url(api_url: str) -> str:
    """Where the fake takes ``response_url`` posts, given the ``.../api/`` base it serves."""
    return api_url.removesuffix("api/") + "hooks"


@contextlib.asynccontextmanager
async def serve_fake_slack(
    fake: FakeSlack, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Serve `fake` on `host`; yields the Web API base URL, ending in ``/api/``."""
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = runner.addresses[0][1]
        yield f"http://{host}:{bound_port}/api/"
    finally:
        await runner.cleanup()
