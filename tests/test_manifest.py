"""manifest.yml against the code: it is a well-formed app manifest (the fields and limits of
Slack's manifest schema that we use); every command, action, view, options load and event
the built Bolt app listens for is declared; and the bot scopes are exactly those the Web API
methods called in bot/ and handlers/ need — a new call must be added to `SCOPES` below, which
forces a decision about its scope."""

from __future__ import annotations

import ast
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.redis_server import RedisServer
from bot.policy.model import Policy
from bot.runtime.settings import Settings
from bot.runtime.wiring import assemble
from handlers.ids import ActionId, Callback
from tests.serving import BOT_TOKEN, POLICY, REPO, SIGNING_SECRET

MANIFEST: dict[str, Any] = yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))
EVENTS_URL = "https://regbot.example.com/slack/events"

# Web API method -> the bot scope it needs (None: no scope, e.g. answered to a trigger_id).
SCOPES: dict[str, str | None] = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "conversations.open": "im:write",
    "usergroups.users.list": "usergroups:read",
    "users.info": "users:read",
    "views.open": None,
    "views.update": None,
    "views.push": None,
    "views.publish": None,
    "auth.test": None,
    "apps.connections.open": None,  # the app-level token's connections:write, not a bot scope
}
FEATURE_SCOPES = {"commands"}  # the slash command itself


# -- the manifest on its own ---------------------------------------------------------------


def test_the_manifest_has_the_shape_and_limits_slack_accepts() -> None:
    assert set(MANIFEST) <= {"display_information", "features", "oauth_config", "settings"}
    info = MANIFEST["display_information"]
    assert 0 < len(info["name"]) <= 35
    assert 0 < len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    features = MANIFEST["features"]
    assert set(features) <= {"app_home", "bot_user", "slash_commands"}
    assert features["app_home"]["messages_tab_enabled"] is True  # the DM with requesters
    assert 0 < len(features["bot_user"]["display_name"]) <= 80
    for command in features["slash_commands"]:
        assert set(command) <= {"command", "description", "usage_hint", "should_escape", "url"}
        assert command["command"].startswith("/") and 2 <= len(command["command"]) <= 32
        assert 0 < len(command["description"]) <= 2000
        assert 0 < len(command["usage_hint"]) <= 1000
    settings = MANIFEST["settings"]
    assert set(settings) <= {
        "interactivity",
        "event_subscriptions",
        "org_deploy_enabled",
        "socket_mode_enabled",
        "token_rotation_enabled",
    }
    assert settings["socket_mode_enabled"] is True


def test_socket_mode_by_default_with_the_http_urls_documented() -> None:
    """In Socket Mode no URL may be set; the comments show where they go for HTTP mode."""
    settings = MANIFEST["settings"]
    assert "request_url" not in settings["interactivity"]
    assert "request_url" not in settings["event_subscriptions"]
    assert all("url" not in c for c in MANIFEST["features"]["slash_commands"])
    text = (REPO / "manifest.yml").read_text(encoding="utf-8")
    for key in ("url", "request_url", "message_menu_options_url"):
        assert f"# {key}: {EVENTS_URL}" in text


def test_the_documented_http_mode_variant_is_complete() -> None:
    """Uncommenting the URL lines (what the header says to do) gives a full HTTP manifest."""
    text = (REPO / "manifest.yml").read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("# ") and f": {EVENTS_URL}" in stripped:
            indent = line[: len(line) - len(stripped)]
            line = indent + stripped.removeprefix("# ").split("#")[0].rstrip()
        lines.append(line.replace("socket_mode_enabled: true", "socket_mode_enabled: false"))
    http = yaml.safe_load("\n".join(lines))
    settings = http["settings"]
    assert settings["interactivity"]["request_url"] == EVENTS_URL
    assert settings["interactivity"]["message_menu_options_url"] == EVENTS_URL
    assert settings["event_subscriptions"]["request_url"] == EVENTS_URL
    assert [c["url"] for c in http["features"]["slash_commands"]] == [EVENTS_URL]


# -- what the Bolt app listens for ---------------------------------------------------------

_KINDS = {  # Bolt's builtin matcher factories -> what the manifest must enable
    "command": "command",
    "action": "action",
    "block_action": "action",
    "view": "view",
    "view_submission": "view",
    "view_closed": "view",
    "options": "options",
    "block_suggestion": "options",
    "event": "event",
}


def _closure(func: Any) -> dict[str, Any]:
    names = func.__code__.co_freevars
    return dict(zip(names, (cell.cell_contents for cell in func.__closure__ or ()), strict=True))


def _describe(matcher: Any) -> tuple[str, str]:
    """(kind, id) of one of Bolt's builtin matchers, read from the closure Bolt built it in
    (slack_bolt/listener_matcher/builtins.py); `test_listeners_match_what_they_claim`
    checks the reading by dispatching a payload of that kind to the listener."""
    inner = _closure(matcher.func)["func"]  # build_listener_matcher's async wrapper
    kind = _KINDS[inner.__qualname__.split(".")[0]]
    for value in _closure(inner).values():
        if isinstance(value, dict):
            value = value.get("action_id") or value.get("callback_id") or value.get("type")
        if isinstance(value, str):
            return kind, str(value)
    raise AssertionError(f"cannot read the id of {inner.__qualname__}")


def listeners_of(app: AsyncApp) -> list[tuple[Any, tuple[str, str]]]:
    # Bolt keeps its listeners in a private list; reading it is this test's whole point.
    listeners = app._async_listeners
    return [(listener, _describe(listener.matchers[0])) for listener in listeners]


@pytest.fixture
async def bolt(redis_server: RedisServer) -> AsyncIterator[AsyncApp]:
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url="http://127.0.0.1:9/api/",
        ionos_token="fake-token",
        ionos_api_url="http://127.0.0.1:9",
        redis_url=redis_server.url,
        regbot_namespace=f"m-{uuid.uuid4().hex[:12]}",
    )
    async with assemble(settings, Policy.from_mapping(POLICY)) as bot:
        yield bot.bolt


def _payload(kind: str, ident: str) -> dict[str, Any]:
    user = {"id": "UDEV", "team_id": "T0001"}
    team = {"id": "T0001"}
    view = {"id": "V1", "type": "modal", "callback_id": ident, "state": {"values": {}}}
    return {
        "command": {"command": ident, "text": "", "user_id": "UDEV", "team_id": "T0001"},
        "action": {
            "type": "block_actions",
            "user": user,
            "team": team,
            "actions": [{"action_id": ident, "block_id": "b", "type": "button"}],
        },
        "view": {"type": "view_submission", "user": user, "team": team, "view": view},
        "options": {
            "type": "block_suggestion",
            "user": user,
            "team": team,
            "action_id": ident,
            "block_id": "b",
            "value": "",
        },
        "event": {
            "type": "event_callback",
            "team_id": "T0001",
            "event": {"type": ident, "user": "UDEV"},
        },
    }[kind]


async def test_listeners_match_what_they_claim(bolt: AsyncApp) -> None:
    for listener, (kind, ident) in listeners_of(bolt):
        request = AsyncBoltRequest(body=_payload(kind, ident), mode="socket_mode")
        assert await listener.async_matches(req=request, resp=BoltResponse(status=200)), (
            kind,
            ident,
        )


async def test_every_registered_listener_is_declared(bolt: AsyncApp) -> None:
    registered = {described for _, described in listeners_of(bolt)}
    kinds = {kind for kind, _ in registered}
    assert kinds <= {"command", "action", "view", "options", "event"}

    declared_commands = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert {i for k, i in registered if k == "command"} == declared_commands

    interactivity = MANIFEST["settings"]["interactivity"]
    if kinds & {"action", "view", "options"}:
        assert interactivity["is_enabled"] is True
    if "options" in kinds:  # external selects load their options from this URL
        text = (REPO / "manifest.yml").read_text(encoding="utf-8")
        assert f"message_menu_options_url: {EVENTS_URL}" in text

    events = {i for k, i in registered if k == "event"}
    assert events == set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])

    # every id a listener waits for comes from handlers/ids.py
    assert {i for k, i in registered if k in ("action", "options")} <= set(ActionId)
    assert {i for k, i in registered if k == "view"} <= set(Callback)


# -- the scopes the Web API calls need ----------------------------------------------------

WEB_API = {
    name
    for name in dir(AsyncWebClient)
    if "_" in name and not name.startswith("_") and callable(getattr(AsyncWebClient, name))
} - {"api_call"}


def web_api_calls(roots: list[Path], base: Path = REPO) -> dict[str, set[str]]:
    """Slack method -> where it is called, for every `<anything>.chat_postMessage(...)`-like
    call (and `api_call("x.y")`) in the sources under `roots`."""
    found: dict[str, set[str]] = {}
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                name = node.func.attr
                method = None
                if name in WEB_API:
                    method = name.replace("_", ".")
                elif name == "api_call" and node.args and isinstance(node.args[0], ast.Constant):
                    method = str(node.args[0].value)
                if method:
                    where = f"{path.relative_to(base)}:{node.lineno}"
                    found.setdefault(method, set()).add(where)
    return found


def test_the_scan_finds_calls_however_the_client_is_named(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "async def f(client, self, slack):\n"
        "    await client.chat_postMessage(channel='C', text='t')\n"
        "    await self._client.usergroups_users_list(usergroup='S')\n"
        "    await slack.api_call('users.info', params={})\n"
        "    await other.list_registries()\n",
        encoding="utf-8",
    )
    calls = web_api_calls([tmp_path], base=tmp_path)
    assert set(calls) == {"chat.postMessage", "usergroups.users.list", "users.info"}


def test_declared_bot_scopes_are_exactly_what_the_calls_need() -> None:
    calls = web_api_calls([REPO / "bot", REPO / "handlers"])
    assert calls, "the scan found no Web API call at all"
    unknown = {method: sorted(where) for method, where in calls.items() if method not in SCOPES}
    assert not unknown, f"decide the scope of these Web API methods in SCOPES: {unknown}"
    needed = {SCOPES[m] for m in calls} - {None} | FEATURE_SCOPES
    declared = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert declared == needed, f"missing: {needed - declared}, unused: {declared - needed}"


def test_the_home_tab_is_on_exactly_when_the_code_publishes_one() -> None:
    """views.publish needs no scope, but a Home the manifest switched off is never shown, and
    it is published when app_home_opened arrives: both must be declared with the call."""
    publishes = "views.publish" in web_api_calls([REPO / "bot", REPO / "handlers"])
    app_home = MANIFEST["features"]["app_home"]
    assert app_home["home_tab_enabled"] is publishes
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    if publishes:
        assert "app_home_opened" in events
