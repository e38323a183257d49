"""Registries and tokens named as people name them: by name or by id.

The registry list changes rarely and is needed before Slack's 3-second deadline (to open
the request modal, to answer an options request), so it is kept in memory and refreshed
after acks, never fetched before one.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

from bot.domain.clock import Clock
from bot.domain.errors import UnknownRegistry, UnknownToken
from bot.ionos.errors import NotFound
from bot.ionos.models import Registry, Token
from bot.services.ports import TokensApi
from bot.services.singleflight import SingleFlight

_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def looks_like_id(text: str) -> bool:
    return bool(_UUID.match(text))


class RegistryCatalog:
    def __init__(self, api: TokensApi, clock: Clock, *, max_age: timedelta) -> None:
        self._api = api
        self._clock = clock
        self._max_age = max_age
        self._registries: list[Registry] | None = None
        self._loaded_at: datetime | None = None
        self._lock = asyncio.Lock()
        self._finding: SingleFlight[tuple[str, str], Token | None] = SingleFlight()

    def cached(self) -> list[Registry] | None:
        """The registries as last seen, or None before the first load. Never calls IONOS."""
        return self._registries

    def is_fresh(self) -> bool:
        return self._loaded_at is not None and self._clock.now() - self._loaded_at < self._max_age

    async def refresh(self, *, force: bool = False) -> list[Registry]:
        if self._registries is not None and self.is_fresh() and not force:
            return self._registries  # the common case takes no lock: a burst need not queue
        async with self._lock:
            if self._registries is not None and self.is_fresh() and not force:
                return self._registries
            found = [r async for r in self._api.iter_registries()]
            found.sort(key=lambda r: r.name)
            self._registries, self._loaded_at = found, self._clock.now()
            return found

    async def registries(self) -> list[Registry]:
        return await self.refresh()

    def cached_by_id(self, registry_id: str) -> Registry | None:
        return next((r for r in self._registries or [] if r.id == registry_id), None)

    async def resolve(self, name_or_id: str) -> Registry:
        """A registry by its name or id; `UnknownRegistry` with the names people can use."""
        wanted = name_or_id.strip()
        for attempt in (False, True):
            registries = await self.refresh(force=attempt)
            for registry in registries:
                if wanted in (registry.name, registry.id):
                    return registry
            if looks_like_id(wanted):
                try:
                    return await self._api.get_registry(wanted)
                except NotFound:
                    break
        known = ", ".join(r.name for r in (self._registries or [])[:10]) or "none"
        raise UnknownRegistry(f"There is no registry called `{wanted}`. Registries: {known}.")

    async def resolve_token(self, registry: Registry, name_or_id: str) -> Token:
        wanted = name_or_id.strip()
        if looks_like_id(wanted):
            try:
                return await self._api.get_token(registry.id, wanted)
            except NotFound:
                pass
        # a walk of every page: concurrent lookups of one name share it (approvers only reach
        # here; members are answered from their own tokens, `TokenService._permitted`)
        token = await self._finding.run(
            (registry.id, wanted), lambda: self._api.find_token(registry.id, wanted)
        )
        if token is None:
            raise UnknownToken(f"There is no token `{wanted}` on registry `{registry.name}`.")
        return token
