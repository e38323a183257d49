"""Options for the registry select when there are more than 100 registries: answered from
the cached list (no IONOS call may happen before this ack)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from handlers.ids import ActionId
from handlers.services import Services
from handlers.views.request_modal import registry_option

MAX_OPTIONS = 100


def register(app: AsyncApp, services: Services) -> None:
    @app.options(ActionId.REGISTRY)
    async def on_registry_options(ack: AsyncAck, payload: dict[str, Any]) -> None:
        query = str(payload.get("value") or "").lower()
        registries = services.catalog.cached() or []
        matching = [r for r in registries if query in r.name.lower()][:MAX_OPTIONS]
        await ack(options=[registry_option(r) for r in matching])
