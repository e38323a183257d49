"""A local stand-in for the IONOS Cloud Container Registry API: a real aiohttp HTTP server.

It serves the paths of https://api.ionos.com/containerregistries at the root of its base URL:
``GET /locations``, ``GET /registries`` (cursor pages: ``limit``, ``pagination.token``,
``filter.name``), ``GET /registries/{registryId}``, and the six token operations under
``/registries/{registryId}/tokens``. Bodies, status codes and the error body
``{"httpStatus": N, "messages": [{"errorCode", "message"}]}`` follow the vendored spec
(``spec/ionos-container-registry-openapi.yaml``) and ``shared/reference/ionos-tokens-api.md``;
the tests validate every exchange against the spec.

Where the spec and the reference leave a question open, this is what the stand-in does:

* Auth: ``Authorization: Bearer <token>`` OR HTTP Basic (the spec's single requirement object
  holding both schemes is a generator quirk). Anything else: 401, ApiErrorResponse body.
* Ids: uuid4. A path id that is not a UUID: 400; an unknown registry or token: 404 (also on
  PATCH/DELETE/list/POST, where the spec lists no 404).
* Token names: the spec pattern ``^[A-Za-z][-A-Za-z0-9]{0,61}[A-Za-z0-9]$`` (2-63 chars, mixed
  case allowed); otherwise 400. Names are unique per registry: a duplicate on POST, or on a
  PUT that creates, is 409 Conflict.
* ``expiryDate``: RFC 3339 with an offset, or null/absent for "never". On POST, PUT and PATCH
  it must be at least 1 hour after the server's clock (the DCD rule the reference quotes;
  whether the API enforces it is unverified, we do, with 400). Tokens are deleted as soon as
  ``now >= expiry``: list and get never show them, a get is then 404.
* Scopes: ``name``, ``type`` non-empty strings (``type`` is not checked against a list: the
  terraform test shows the API keeps ``backup``), ``actions`` strings from pull/push/delete
  (``null`` actions are read as ``[]``). ``status``: enabled|disabled, default enabled.
  Unknown JSON fields are ignored, wrong types are 400.
* The password (``secrets.token_urlsafe``, or what ``password_factory`` makes) is returned
  only by a create: POST 201 or a PUT that creates (201). Everywhere else
  ``credentials.password`` is ``""``; ``username`` is the token name. POST and PUT send
  ``Location``.
* PUT on an existing id replaces expiry, scopes and status (absent = no expiry, no scopes,
  enabled); the name must be the same (else 400). It answers 201 — the only status the spec
  documents — without a password: the credentials are unchanged.
* PATCH is flat; an explicit ``expiryDate: null`` removes the expiry, ``scopes: null`` leaves
  the scopes alone, ``scopes: []`` empties them. 200 with the token.
* Token list: ``offset``/``limit`` query strings (defaults "0"/"100", non-integers or
  offset < 0 or limit < 1 give 400); ``limit`` is capped at ``max_limit`` (1000 by default; the
  answer's ``limit`` shows the cap). ``count`` = items on the page, ``total`` = all live tokens.
* ``_links.next`` on the last page and ``_links.previous`` on the first are empty strings "".
  The reference thinks the live API more likely leaves them out and says clients must take
  both; the spec marks them required strings, and the stand-in is contract-checked against
  the spec, so it sends "" (as it does for ``pagination.token`` on the last registries page).
* ``filter.name`` on registries matches a case-insensitive substring.
* Rate limiting: the spec declares none; ``Knobs.rate_limit_rps`` turns on a token bucket for
  the whole server answering 429 with an integer ``Retry-After``; no ``X-RateLimit-*`` headers.

`Knobs` change behaviour at run time (latency, random 429/503, a rate limit, scripted failures
by method and path, a "response lost" drop after the operation happened). Every request is
recorded in ``FakeIonos.requests`` with the Authorization header reduced to its scheme word.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from bot.devtools.ionos_app import build_app
from bot.devtools.ionos_knobs import FailRule, Faults, Knobs, RecordedRequest
from bot.devtools.ionos_model import (
    REGISTRY_NAME_RE,
    TOKEN_NAME_RE,
    ApiError,
    Audit,
    FakeRegistry,
    FakeToken,
    TokenFields,
    parse_scopes,
)
from bot.domain.clock import Clock, SystemClock
from bot.runtime.signals import stop_on_signals

__all__ = [
    "FailRule",
    "FakeIonos",
    "FakeRegistry",
    "FakeToken",
    "Knobs",
    "RecordedRequest",
    "run_cli",
    "serve_fake_ionos",
]

ExchangeHook = Callable[[web.Request, bytes, web.StreamResponse, bytes], None]


class FakeIonos:
    """The stand-in's state and settings; `app()` is its HTTP face, `serve_fake_ionos` runs it."""

    def __init__(
        self,
        *,
        bearer_tokens: Iterable[str] = ("fake-token",),
        basic_users: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        knobs: Knobs | None = None,
        max_limit: int = 1000,
        host_suffix: str = "cr.ionos.local",
        password_factory: Callable[[], str] | None = None,
    ) -> None:
        """``password_factory`` makes each new token's password (default: 32 random bytes,
        URL-safe); tests pass one returning known sentinels to trace where a password goes."""
        self._bearer = frozenset(bearer_tokens)
        self._basic = dict({"fake-user": "fake-pass"} if basic_users is None else basic_users)
        self.clock: Clock = clock or SystemClock()
        self.knobs = knobs or Knobs()
        self.max_limit = max_limit
        self.host_suffix = host_suffix
        self.password_factory = password_factory or _random_password
        self.requests: list[RecordedRequest] = []
        self.exchange_hooks: list[ExchangeHook] = []
        self._registries: dict[str, FakeRegistry] = {}
        self.faults = Faults()

    # ---- state, for tests and seeding -------------------------------------------------------

    def add_registry(
        self, name: str, location: str = "de/fra", *, id: str | None = None
    ) -> FakeRegistry:
        if not REGISTRY_NAME_RE.match(name):
            raise ValueError(f"registry name {name!r} does not match {REGISTRY_NAME_RE.pattern}")
        rid = (id or str(uuid.uuid4())).lower()
        hostname = f"{name}.{self.host_suffix}"
        registry = FakeRegistry(rid, name, location, hostname, self.clock.now())
        self._registries[rid] = registry
        return registry

    def add_token(
        self,
        registry_id: str,
        name: str,
        *,
        expiry: datetime | None = None,
        scopes: list[dict[str, Any]] | None = None,
        status: str = "enabled",
        id: str | None = None,
    ) -> FakeToken:
        """Put a token in directly (no 1-hour rule, so tests can seed tokens about to expire)."""
        registry = self._registries[registry_id]
        if not TOKEN_NAME_RE.match(name):
            raise ValueError(f"token name {name!r} does not match {TOKEN_NAME_RE.pattern}")
        fields = TokenFields(
            name=name, expiry=expiry, scopes=parse_scopes(scopes or []), status=status
        )
        return self.create_token(registry, fields, "fake-user", token_id=id)

    def registries(self) -> list[FakeRegistry]:
        return list(self._registries.values())

    def registry(self, registry_id: str) -> FakeRegistry | None:
        return self._registries.get(registry_id.lower())

    def tokens(self, registry_id: str) -> list[FakeToken]:
        registry = self._registries[registry_id.lower()]
        now = self.clock.now()
        for token in list(registry.tokens.values()):
            if token.expiry is not None and now >= token.expiry:
                del registry.tokens[token.id]
        return list(registry.tokens.values())

    def token(self, registry_id: str, token_id: str) -> FakeToken | None:
        return next((t for t in self.tokens(registry_id) if t.id == token_id.lower()), None)

    def load_seed(self, data: Mapping[str, Any]) -> None:
        """Registries and tokens from a mapping (see ``seed.example.yaml``)."""
        now = self.clock.now()
        for reg in data.get("registries") or []:
            registry = self.add_registry(
                reg["name"], reg.get("location", "de/fra"), id=reg.get("id")
            )
            for tok in reg.get("tokens") or []:
                expiry: datetime | None = None
                if tok.get("expires_in_days") is not None:
                    expiry = now + timedelta(days=float(tok["expires_in_days"]))
                elif tok.get("expiry") is not None:
                    expiry = _as_datetime(tok["expiry"])
                self.add_token(
                    registry.id,
                    tok["name"],
                    expiry=expiry,
                    scopes=tok.get("scopes"),
                    status=tok.get("status", "enabled"),
                    id=tok.get("id"),
                )

    def add_exchange_hook(self, hook: ExchangeHook) -> None:
        self.exchange_hooks.append(hook)

    def app(self) -> web.Application:
        return build_app(self)

    # ---- used by the HTTP layer --------------------------------------------------------------

    def create_token(
        self,
        registry: FakeRegistry,
        fields: TokenFields,
        principal: str,
        *,
        token_id: str | None = None,
    ) -> FakeToken:
        assert fields.name is not None
        assert fields.status is not None
        if any(t.name == fields.name for t in self.tokens(registry.id)):
            raise ApiError(409, "CONFLICT", f"a token named {fields.name!r} already exists")
        token = FakeToken(
            id=(token_id or str(uuid.uuid4())).lower(),
            name=fields.name,
            expiry=fields.expiry,
            scopes=list(fields.scopes or []),
            status=fields.status,
            password=self.password_factory(),
            audit=Audit(principal, self.clock.now()),
        )
        registry.tokens[token.id] = token
        return token

    def update_token(
        self, token: FakeToken, fields: TokenFields, principal: str, *, replace: bool
    ) -> FakeToken:
        if replace or fields.expiry_sent:
            token.expiry = fields.expiry
        if replace or fields.scopes is not None:
            token.scopes = list(fields.scopes or [])
        if replace or fields.status is not None:
            token.status = fields.status or "enabled"
        token.audit.last_modified_by = principal
        token.audit.last_modified_date = self.clock.now()
        return token

    def authenticate(self, header: str) -> str | None:
        """The principal the Authorization header stands for, or None."""
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip() in self._bearer:
            return "bearer-user"
        if scheme.lower() == "basic":
            try:
                user, _, password = (
                    base64.b64decode(value.strip(), validate=True).decode().partition(":")
                )
            except (binascii.Error, UnicodeDecodeError):
                return None
            if user in self._basic and secrets.compare_digest(self._basic[user], password):
                return user
        return None

    def record(self, request: web.Request, body: bytes, status: int, *, dropped: bool) -> None:
        headers = dict(request.headers)
        for key in [k for k in headers if k.lower() == "authorization"]:
            headers[key] = headers[key].partition(" ")[0] + " [redacted]"
        parsed = _json_or_text(body) if body else None
        self.requests.append(
            RecordedRequest(
                request.method, request.path, dict(request.query), parsed, status, headers, dropped
            )
        )


def _random_password() -> str:
    return secrets.token_urlsafe(32)


def _json_or_text(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")


def _as_datetime(value: Any) -> datetime:
    when = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    if when.tzinfo is None:
        raise ValueError(f"seed expiry {value!r} needs a UTC offset")
    return when


@asynccontextmanager
async def serve_fake_ionos(
    fake: FakeIonos, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Serve ``fake`` until the block ends; yields the base URL (no trailing slash)."""
    runner = web.AppRunner(fake.app(), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        shown = f"[{host}]" if ":" in host else host
        yield f"http://{shown}:{bound}"
    finally:
        await runner.cleanup()


def run_cli(args: argparse.Namespace) -> int:
    """``regbot fake-ionos``: serve until SIGTERM or Ctrl-C (exit code 0), after printing the
    URL and credentials."""
    fake = FakeIonos(knobs=Knobs(latency=args.latency or 0.0, rate_limit_rps=args.rate_limit))
    if args.seed:
        fake.load_seed(yaml.safe_load(Path(args.seed).read_text(encoding="utf-8")) or {})

    async def serve() -> None:
        async with (
            stop_on_signals() as stop,
            serve_fake_ionos(fake, host=args.host, port=args.port) as url,
        ):
            print(f"IONOS Container Registry stand-in at {url}", flush=True)
            print(
                "  auth: 'Authorization: Bearer fake-token' or Basic fake-user:fake-pass",
                flush=True,
            )
            for registry in fake.registries():
                count = len(fake.tokens(registry.id))
                print(f"  registry {registry.name} ({registry.id}): {count} tokens", flush=True)
            await stop.wait()
        print("IONOS stand-in stopped", flush=True)

    asyncio.run(serve())
    return 0
