"""Opening the break-glass form (``/regtoken breakglass [registry]``)."""

from __future__ import annotations

import uuid
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import InvalidInput
from bot.services.breakglass import BreakGlassService
from bot.services.forms import suggest_token_name
from handlers.services import Services
from handlers.views.breakglass import breakglass_modal
from handlers.views.request_modal import RequestModalMeta


def breakglass_of(services: Services) -> BreakGlassService:
    if services.breakglass is None:
        raise InvalidInput("Break-glass is not available in this installation.")
    return services.breakglass


async def open_breakglass_modal(
    services: Services, client: AsyncWebClient, command: dict[str, Any], wanted: str | None
) -> None:
    """Refuse in words when the registry has no break-glass; otherwise open the form."""
    glass = breakglass_of(services)
    if wanted is not None and services.policy.governs(wanted):
        glass.check_open(wanted)  # a name the policy knows: refused before any IONOS call
    registries = services.catalog.cached() or await services.catalog.refresh()
    open_ones = glass.registries(registries)
    selected = next((r for r in open_ones if wanted in (r.name, r.id)), None) if wanted else None
    if wanted is not None and selected is None:
        glass.check_open(wanted)  # refused in words (or not a registry at all)
        raise InvalidInput(f"There is no registry `{wanted}`.")
    if not open_ones:
        raise InvalidInput("No registry has break-glass set up; use `request` instead.")
    rules = [glass.check_open(r.name) for r in ([selected] if selected else open_ones)]
    now = services.clock.now()
    view = breakglass_modal(
        meta=RequestModalMeta(nonce=uuid.uuid4().hex, registry_id=selected and selected.id),
        registries=open_ones,
        selected=selected,
        hours=max(r.max_hours for r in rules),
        token_name=suggest_token_name(
            command.get("user_name", ""), selected.name if selected else "", now.date()
        ),
        today=now.date(),
    )
    await client.views_open(trigger_id=command["trigger_id"], view=view)
