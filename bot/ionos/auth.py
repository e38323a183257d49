"""Credentials for the IONOS API as `httpx.Auth` flows.

The secret stays a `SecretStr` until the moment the header is written, and neither class
shows it in its ``repr``. Bearer wins when both kinds are configured (IONOS accounts with
2FA must use Bearer; Basic is being phased out).
"""

from __future__ import annotations

import base64
from collections.abc import Generator

import httpx
from pydantic import SecretStr


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>``."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token=SecretStr('**********'))"


class BasicAuth(httpx.Auth):
    """``Authorization: Basic base64(username:password)``."""

    def __init__(self, username: str, password: SecretStr) -> None:
        self._username = username
        self._password = password

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        pair = f"{self._username}:{self._password.get_secret_value()}".encode()
        request.headers["Authorization"] = f"Basic {base64.b64encode(pair).decode('ascii')}"
        yield request

    def __repr__(self) -> str:
        return f"BasicAuth(username={self._username!r}, password=SecretStr('**********'))"


def auth_from(
    token: SecretStr | None, username: str | None, password: SecretStr | None
) -> httpx.Auth:
    """The auth flow for the configured credentials: a token if given, else username+password."""
    if token is not None and token.get_secret_value():
        return BearerAuth(token)
    if username and password is not None and password.get_secret_value():
        return BasicAuth(username, password)
    raise ValueError("IONOS credentials: need a token, or a username and a password")


__all__ = ["BasicAuth", "BearerAuth", "auth_from"]
