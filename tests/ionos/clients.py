"""Helpers for the IONOS client tests: a client pointed at the stand-in, waits recorded."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
from pydantic import SecretStr

from bot.devtools.ionos import FakeIonos, RecordedRequest
from bot.ionos.client import IonosClient, auth_from
from bot.runtime.ionos_transport import aiohttp_transport

FAKE_BEARER = "fake-token"
FAKE_USER, FAKE_PASS = "fake-user", "fake-pass"


class RecordingSleep:
    """A ``sleep`` that records the wait it was asked for and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


def bearer() -> httpx.Auth:
    return auth_from(SecretStr(FAKE_BEARER), None, None)


def open_client(
    url: str, *, auth: httpx.Auth | None = None, sleep: RecordingSleep | None = None, **kw: Any
) -> IonosClient:
    """A client for ``url``; backoff and pacing waits go to ``sleep`` (never really slept).
    It runs on the transport production uses (aiohttp under httpx, `bot.runtime.clients`), so
    these tests hold the retry rules and error mapping to it; ``transport=`` overrides."""
    kw.setdefault("transport", aiohttp_transport(kw.get("max_in_flight", 8)))
    return IonosClient(url, auth or bearer(), sleep=sleep or RecordingSleep(), **kw)


def calls(fake: FakeIonos, method: str, suffix: str = "") -> list[RecordedRequest]:
    """What the stand-in received: requests of ``method`` whose path ends with ``suffix``."""
    return [r for r in fake.requests if r.method == method and r.path.endswith(suffix)]


def closed_port_url() -> str:
    """A URL nobody listens on: a port bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
