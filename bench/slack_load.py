"""Signed Slack traffic from aiohttp (not httpx: its pool slows down under concurrency and
would show a tail that is the generator's own — reliability notes §6.4).

`SignedPoster.post` signs each body the moment it is sent, exactly as Slack does
(`SignatureVerifier.generate_signature`: ``v0=`` + HMAC-SHA256 over ``v0:{ts}:{body}``),
then times the request from the first byte sent to the last byte of the ack read.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bench.stack import TEAM_ID

FORM = "application/x-www-form-urlencoded"
APP_ID = "ABENCHAPP"
_counter = itertools.count(1)


@dataclass(frozen=True)
class Ack:
    status: int
    text: str
    seconds: float


@dataclass
class SignedPoster:
    url: str
    signing_secret: str
    session: aiohttp.ClientSession
    latencies: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._verifier = SignatureVerifier(self.signing_secret)

    async def post(self, body: bytes) -> Ack:
        timestamp = str(int(time.time()))
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        headers = {
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature or "",  # None only without a secret
        }
        started = time.perf_counter()
        async with self.session.post(self.url, data=body, headers=headers) as response:
            text = await response.text()
        seconds = time.perf_counter() - started
        self.latencies.append(seconds)
        return Ack(response.status, text, seconds)


def new_session(connections: int) -> aiohttp.ClientSession:
    """A client session that lets ``connections`` requests run at once (keep-alive)."""
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))


def trigger_id() -> str:
    return f"{next(_counter)}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"


def response_url(hooks: str, kind: str) -> str:
    return f"{hooks}/{kind}/{TEAM_ID}/{next(_counter)}/{uuid.uuid4().hex}"


def command(
    text: str, *, user: str, hooks: str, trigger: str | None = None, url: str | None = None
) -> bytes:
    """A slash command body as Slack sends it (form-encoded)."""
    form = {
        "token": "verification-token",
        "team_id": TEAM_ID,
        "team_domain": "bench",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/regtoken",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": url or response_url(hooks, "commands"),
        "trigger_id": trigger or trigger_id(),
    }
    return urlencode(form).encode()


def _interaction(kind: str, user: str) -> dict[str, Any]:
    return {
        "type": kind,
        "token": "verification-token",
        "api_app_id": APP_ID,
        "team": {"id": TEAM_ID, "domain": "bench"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "enterprise": None,
        "is_enterprise_install": False,
        "trigger_id": trigger_id(),
    }


def _form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def button(
    action_id: str, value: str, *, user: str, channel: str, message_ts: str, url: str
) -> bytes:
    """A click on a button in a message (``block_actions``) answering to ``url``."""
    payload = _interaction("block_actions", user) | {
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b",
                "type": "button",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
        "channel": {"id": channel, "name": channel.lower()},
        "message": {"type": "message", "ts": message_ts, "text": "", "blocks": []},
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "state": {"values": {}},
        "response_url": url,
    }
    return _form(payload)


def view_submission(
    view: dict[str, Any], values: dict[str, dict[str, dict[str, Any]]], *, user: str
) -> bytes:
    """Submit the modal ``view`` (as Slack stores it) with ``values`` as its state."""
    full = dict(view) | {"state": {"values": values}, "team_id": TEAM_ID, "app_id": APP_ID}
    full.setdefault("hash", f"{int(time.time())}.{uuid.uuid4().hex[:8]}")
    payload = _interaction("view_submission", user) | {"view": full, "response_urls": []}
    return _form(payload)
