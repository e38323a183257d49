"""Drives the bot over HTTP the way Slack does: signed slash commands and interaction payloads
(used by the tests and by `regbot demo`).

    async with SlackDriver(bot_url, signing_secret, hooks_url=hooks_url(slack_api_url)) as slack:
        reply = await slack.command("request", user_id="UDEV")
        assert reply.status == 200

`bot_url` is the server root (``/slack/events`` is appended unless already there). With
`hooks_url` set, every ``response_url`` points at the fake Slack, which records what the bot
posts there; without it, it points at ``https://hooks.slack.com`` as in production.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import aiohttp

APP_ID = "AFAKEAPP"
FORM = "application/x-www-form-urlencoded"


def slack_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """``v0=`` + hex HMAC-SHA256 over ``v0:{timestamp}:{body}``, keyed with the signing secret."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SlackReply:
    """What the bot answered: status, raw text, the JSON body (None unless JSON), headers."""

    status: int
    text: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)


# -- state values for view_submission (view.state.values[block_id][action_id]) ----------------


def text_value(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def _option(value: str, text: str | None = None) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def select_value(value: str | None, *, text: str | None = None) -> dict[str, Any]:
    selected = None if value is None else _option(value, text)
    return {"type": "static_select", "selected_option": selected}


def multi_select_values(values: list[str]) -> dict[str, Any]:
    return {"type": "multi_static_select", "selected_options": [_option(v) for v in values]}


def date_value(day: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": day}


def checkboxes(values: list[str]) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [_option(v) for v in values]}


def user_value(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


class SlackDriver:
    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        team_id: str = "T0001",
        path: str = "/slack/events",
        hooks_url: str | None = None,
    ) -> None:
        root = base_url.rstrip("/")
        self.url = root if root.endswith(path) else root + path
        self.team_id = team_id
        self._secret = signing_secret
        self._hooks = (hooks_url or "https://hooks.slack.com").rstrip("/")
        self._counter = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"SlackDriver(url={self.url!r}, team_id={self.team_id!r})"

    async def __aenter__(self) -> SlackDriver:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- what Slack sends ----------------------------------------------------------------------

    async def command(
        self,
        text: str,
        *,
        user_id: str,
        command: str = "/regtoken",
        channel_id: str = "C0GENERAL",
        trigger_id: str | None = None,
    ) -> SlackReply:
        form = {
            "token": "verification-token",
            "team_id": self.team_id,
            "team_domain": "fake",
            "channel_id": channel_id,
            "channel_name": _channel_name(channel_id),
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self._response_url("commands"),
            "trigger_id": trigger_id or self._trigger_id(),
        }
        return await self._send_command(form)

    async def block_action(
        self,
        action_id: str,
        *,
        user_id: str,
        value: str | None = None,
        block_id: str = "b",
        channel_id: str | None = None,
        message_ts: str | None = None,
        view: dict[str, Any] | None = None,
        container: dict[str, Any] | None = None,
        selected_option: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
        selected_user: str | None = None,
    ) -> SlackReply:
        """A click. From a modal when `view` is given, else from a message in `channel_id`.
        With `selected_user`, a choice in a ``users_select``."""
        kind = "static_select" if selected_option is not None else "button"
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": "users_select" if selected_user is not None else kind,
            "action_ts": self._action_ts(),
        }
        if selected_user is not None:
            action["selected_user"] = selected_user
        if value is not None:
            action["value"] = value
        if selected_option is not None:
            action["selected_option"] = selected_option
        payload = self._interaction("block_actions", user_id) | {"actions": [action]}
        if view is not None:
            payload["view"] = _full_view(view, self.team_id)
            payload["container"] = container or {"type": "view", "view_id": payload["view"]["id"]}
            payload["state"] = payload["view"]["state"]
        else:
            channel = channel_id or "C0GENERAL"
            ts = message_ts or (message or {}).get("ts") or self._action_ts()
            payload["channel"] = {"id": channel, "name": _channel_name(channel)}
            payload["message"] = message or {"type": "message", "ts": ts, "text": "", "blocks": []}
            payload["container"] = container or {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["state"] = {"values": {}}
            payload["response_url"] = self._response_url("actions")
        return await self._send_payload(payload)

    async def view_submission(
        self,
        callback_id: str,
        *,
        user_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        private_metadata: str = "",
        view_id: str | None = None,
        hash: str | None = None,  # Slack's own name, shadowing the builtin on purpose
        view: dict[str, Any] | None = None,
    ) -> SlackReply:
        """Submit a modal; `view` (e.g. ``fake_slack.view(id)``) supplies blocks, title, id."""
        base = dict(view or {})
        base |= {"callback_id": callback_id, "private_metadata": private_metadata}
        base["state"] = {"values": values}
        base["id"] = view_id or base.get("id") or f"V{next(self._counter):09d}"
        base["hash"] = hash or base.get("hash") or f"{int(time.time())}.{uuid.uuid4().hex[:8]}"
        payload = self._interaction("view_submission", user_id)
        payload |= {"view": _full_view(base, self.team_id), "response_urls": []}
        return await self._send_payload(payload)

    async def view_closed(
        self, callback_id: str, *, user_id: str, private_metadata: str = ""
    ) -> SlackReply:
        view = {
            "id": f"V{next(self._counter):09d}",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
        }
        payload = self._interaction("view_closed", user_id)
        payload |= {"view": _full_view(view, self.team_id), "is_cleared": False}
        return await self._send_payload(payload)

    async def options(
        self,
        action_id: str,
        *,
        user_id: str,
        value: str,
        block_id: str = "b",
        view: dict[str, Any] | None = None,
    ) -> SlackReply:
        """An external select asking for options (``block_suggestion``) as the user types."""
        payload = self._interaction("block_suggestion", user_id)
        payload |= {"action_id": action_id, "block_id": block_id, "value": value}
        if view is not None:
            payload["view"] = _full_view(view, self.team_id)
            payload["container"] = {"type": "view", "view_id": payload["view"]["id"]}
        else:
            payload["container"] = {"type": "message", "channel_id": "C0GENERAL"}
            payload["channel"] = {"id": "C0GENERAL", "name": "general"}
        return await self._send_payload(payload)

    async def event(self, event: dict[str, Any], *, event_id: str | None = None) -> SlackReply:
        """An Events API ``event_callback`` (e.g. ``app_home_opened``), sent as JSON."""
        envelope = {
            "token": "verification-token",
            "team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._counter):08d}",
            "event_time": int(time.time()),
        }
        return await self._send_event(envelope)

    # -- low level -----------------------------------------------------------------------------

    def sign(self, body: bytes, ts: int | str) -> str:
        return slack_signature(self._secret, str(ts), body)

    def signed_headers(self, body: bytes, ts: int | str | None = None) -> dict[str, str]:
        timestamp = str(int(time.time()) if ts is None else ts)
        return {
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": self.sign(body, timestamp),
        }

    async def raw(self, body: bytes, headers: dict[str, str]) -> SlackReply:
        """POST `body` with exactly `headers` (add `signed_headers` to sign it)."""
        if self._session is None:
            # Drop idle connections well before the server would (aiohttp serves with a 75 s
            # keep-alive): reusing one the server is closing fails with ServerDisconnected.
            connector = aiohttp.TCPConnector(keepalive_timeout=15)
            self._session = aiohttp.ClientSession(connector=connector)
        async with self._session.post(self.url, data=body, headers=headers) as response:
            text = await response.text()
            parsed = json.loads(text) if text and "json" in response.content_type else None
            return SlackReply(response.status, text, parsed, dict(response.headers))

    async def _signed(self, body: bytes, content_type: str) -> SlackReply:
        return await self.raw(body, {"Content-Type": content_type} | self.signed_headers(body))

    # how each kind of traffic travels: signed HTTP POSTs here; Socket Mode envelopes in
    # `bot.devtools.slack_socket_driver.SocketDriver`
    async def _send_command(self, form: dict[str, str]) -> SlackReply:
        return await self._signed(urlencode(form).encode(), FORM)

    async def _send_payload(self, payload: dict[str, Any]) -> SlackReply:
        return await self._signed(urlencode({"payload": json.dumps(payload)}).encode(), FORM)

    async def _send_event(self, envelope: dict[str, Any]) -> SlackReply:
        return await self._signed(json.dumps(envelope).encode(), "application/json")

    def _interaction(self, kind: str, user_id: str) -> dict[str, Any]:
        return {
            "type": kind,
            "token": "verification-token",
            "api_app_id": APP_ID,
            "team": {"id": self.team_id, "domain": "fake"},
            "user": {
                "id": user_id,
                "username": user_id.lower(),
                "name": user_id.lower(),
                "team_id": self.team_id,
            },
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": self._trigger_id(),
        }

    def _trigger_id(self) -> str:
        return f"{next(self._counter)}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"

    def _response_url(self, kind: str) -> str:
        return f"{self._hooks}/{kind}/{self.team_id}/{next(self._counter)}/{uuid.uuid4().hex}"

    def _action_ts(self) -> str:
        return f"{time.time():.6f}"


def _channel_name(channel_id: str) -> str:
    if channel_id.startswith("D"):
        return "directmessage"
    return "general" if channel_id == "C0GENERAL" else channel_id.lower()


def _full_view(view: dict[str, Any], team_id: str) -> dict[str, Any]:
    """`view` with every field Slack sends filled in, keeping what was given."""
    full: dict[str, Any] = {
        "id": "V0FAKE0001",
        "team_id": team_id,
        "type": "modal",
        "title": {"type": "plain_text", "text": "Modal"},
        "blocks": [],
        "close": None,
        "submit": None,
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": "1700000000.fakehash",
        "clear_on_close": False,
        "notify_on_close": False,
        "root_view_id": None,
        "previous_view_id": None,
        "app_id": APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": "BBOT",
    }
    full |= view
    full["root_view_id"] = full["root_view_id"] or full["id"]
    return full
