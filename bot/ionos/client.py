"""The typed async client of the IONOS Container Registry API (registries and tokens).

Use it as an async context manager; it owns one `httpx.AsyncClient`::

    async with IonosClient(url, auth_from(token, None, None), max_in_flight=8) as ionos:
        async for token in ionos.iter_tokens(registry.id):
            ...

Every failure is an `IonosError` (see `bot.ionos.errors`). Reads, PUT, PATCH and DELETE
are retried per `RetryPolicy`; POST (create) never is — if a create times out, look the
token up by name before trying again. Returned tokens carry the password as `SecretStr`,
and only the create (or a creating PUT) answer carries it at all.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType

import httpx

from bot.ionos.auth import BasicAuth, BearerAuth, auth_from
from bot.ionos.errors import ApiMessage, BadRequest
from bot.ionos.models import (
    UUID_PATTERN,
    RegistriesPage,
    Registry,
    Token,
    TokenPatch,
    TokensPage,
    TokenSpec,
)
from bot.ionos.pacing import Pacer, SharedPace
from bot.ionos.requester import Observer, Requester, parse
from bot.ionos.retry import RetryPolicy

DEFAULT_BASE_URL = "https://api.ionos.com/containerregistries"
_UUID = re.compile(UUID_PATTERN)


class IonosClient:
    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        *,
        contract_number: int | None = None,
        timeout: float = 10.0,
        max_in_flight: int = 8,
        rate_per_second: float | None = None,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe as a default
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        observe: Observer | None = None,
        shared_pace: SharedPace | None = None,
    ) -> None:
        """``timeout`` bounds one attempt (httpx connect/read/write and a total around it);
        ``retry.deadline`` bounds a whole call. ``sleep`` and ``clock`` serve backoff and
        pacing, so tests can record waits instead of waiting. ``observe(method, status,
        seconds)`` is called after every HTTP attempt (status None: no answer) — for metrics.
        ``shared_pace`` shares ``rate_per_second`` with other replicas (`bot.ionos.pacing`)."""
        self._requester = Requester(
            base_url or DEFAULT_BASE_URL,
            auth,
            contract_number=contract_number,
            timeout=timeout,
            max_in_flight=max_in_flight,
            rate_per_second=rate_per_second,
            retry=retry,
            transport=transport,
            sleep=sleep,
            clock=clock,
            observe=observe,
            shared_pace=shared_pace,
        )

    @property
    def pacer(self) -> Pacer | None:
        """The shared pacer, when ``rate_per_second`` was given."""
        return self._requester.pacer

    async def __aenter__(self) -> IonosClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._requester.aclose()

    # ---- registries ---------------------------------------------------------------------

    async def list_registries(
        self, *, name: str | None = None, limit: int = 100, page_token: str | None = None
    ) -> RegistriesPage:
        """One page of registries; ``name`` filters server-side (``filter.name``)."""
        params = {"limit": str(limit)}
        if name is not None:
            params["filter.name"] = name
        if page_token:
            params["pagination.token"] = page_token
        path = "/registries"
        response = await self._requester.call("GET", path, params=params)
        return parse(RegistriesPage, response, "GET", path)

    async def iter_registries(
        self, *, name: str | None = None, page_size: int = 100
    ) -> AsyncIterator[Registry]:
        """Every registry, following ``pagination.token`` until it is empty (or repeats)."""
        seen: set[str] = set()
        page_token: str | None = None
        while True:
            page = await self.list_registries(name=name, limit=page_size, page_token=page_token)
            for registry in page.items or []:
                yield registry
            page_token = page.pagination.token if page.pagination else None
            if not page_token or page_token in seen:
                return
            seen.add(page_token)

    async def get_registry(self, registry_id: str) -> Registry:
        path = f"/registries/{_id('registry_id', registry_id, 'GET')}"
        return parse(Registry, await self._requester.call("GET", path), "GET", path)

    async def find_registry(self, name: str) -> Registry | None:
        """The registry called exactly ``name``, or None (``filter.name`` may match more)."""
        async for registry in self.iter_registries(name=name):
            if registry.name == name:
                return registry
        return None

    # ---- tokens -------------------------------------------------------------------------

    async def list_tokens(
        self, registry_id: str, *, offset: int = 0, limit: int = 100
    ) -> TokensPage:
        path = _tokens_path(registry_id, "GET")
        params = {"offset": str(offset), "limit": str(limit)}
        response = await self._requester.call("GET", path, params=params)
        return parse(TokensPage, response, "GET", path)

    async def iter_token_pages(
        self, registry_id: str, *, page_size: int = 100
    ) -> AsyncIterator[TokensPage]:
        """Every page, from offset 0 until ``offset >= total``.

        Stops as well on an empty page, or on a page with no token not seen before (a
        server ignoring ``offset``), so a total that changes mid-walk cannot loop forever.
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        offset = 0
        seen: set[str] = set()
        while True:
            page = await self.list_tokens(registry_id, offset=offset, limit=page_size)
            items = page.items or []
            fresh = {token.id for token in items} - seen
            yield page
            if not items or not fresh:
                return
            seen |= fresh
            offset += len(items)
            if offset >= page.total:
                return

    async def iter_tokens(self, registry_id: str, *, page_size: int = 100) -> AsyncIterator[Token]:
        """Every token once (a token shifted across a page boundary is not repeated)."""
        seen: set[str] = set()
        async for page in self.iter_token_pages(registry_id, page_size=page_size):
            for token in page.items or []:
                if token.id not in seen:
                    seen.add(token.id)
                    yield token

    async def get_token(self, registry_id: str, token_id: str) -> Token:
        path = _token_path(registry_id, token_id, "GET")
        return parse(Token, await self._requester.call("GET", path), "GET", path)

    async def find_token(self, registry_id: str, name: str) -> Token | None:
        """The token called exactly ``name``, walking every page; None if there is none."""
        async for token in self.iter_tokens(registry_id):
            if token.name == name:
                return token
        return None

    async def create_token(self, registry_id: str, spec: TokenSpec) -> Token:
        """POST a new token; the answer carries its password. Never retried automatically."""
        path = _tokens_path(registry_id, "POST")
        response = await self._requester.call("POST", path, json=spec.to_body())
        return parse(Token, response, "POST", path)

    async def put_token(self, registry_id: str, token_id: str, spec: TokenSpec) -> Token:
        """Create (password in the answer) or replace the token at a chosen id."""
        path = _token_path(registry_id, token_id, "PUT")
        response = await self._requester.call("PUT", path, json=spec.to_body())
        return parse(Token, response, "PUT", path)

    async def patch_token(self, registry_id: str, token_id: str, patch: TokenPatch) -> Token:
        path = _token_path(registry_id, token_id, "PATCH")
        response = await self._requester.call("PATCH", path, json=patch.to_body())
        return parse(Token, response, "PATCH", path)

    async def delete_token(self, registry_id: str, token_id: str) -> None:
        """Delete; a 404 on a retry counts as done (an earlier attempt deleted it)."""
        path = _token_path(registry_id, token_id, "DELETE")
        await self._requester.call("DELETE", path, ok_on_retry=(404,))


def _id(label: str, value: str, method: str) -> str:
    """A path id, checked client-side: it must be a UUID, so it is exactly one segment."""
    if not _UUID.fullmatch(value):
        raise BadRequest(
            400, (ApiMessage("", f"{label} is not a UUID"),), method=method, path="/registries"
        )
    return value


def _tokens_path(registry_id: str, method: str) -> str:
    return f"/registries/{_id('registry_id', registry_id, method)}/tokens"


def _token_path(registry_id: str, token_id: str, method: str) -> str:
    return f"{_tokens_path(registry_id, method)}/{_id('token_id', token_id, method)}"


__all__ = [
    "DEFAULT_BASE_URL",
    "BasicAuth",
    "BearerAuth",
    "IonosClient",
    "RetryPolicy",
    "auth_from",
]
