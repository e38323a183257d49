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
from handlers.views.request_modal import RequestModalMeta, loading_modal, problem_modal

TITLE = "Break-glass token"


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
    meta = RequestModalMeta(nonce=uuid.uuid4().hex)
    registries = services.catalog.cached()
    view_id = None
    if registries is None:  # the trigger lives 3 s: show the form's frame first
        frame = loading_modal(meta)
        opened = await client.views_open(trigger_id=command["trigger_id"], view=frame)
        view_id = opened["view"]["id"]
        registries = await services.catalog.refresh()
    open_ones = glass.registries(registries)
    selected = next((r for r in open_ones if wanted in (r.name, r.id)), None) if wanted else None
    problem = None
    if wanted is not None and selected is None:
        problem = f"There is no registry `{wanted}` with break-glass."
    elif not open_ones:
        problem = "No registry has break-glass set up; use `request` instead."
    if problem is not None:
        if view_id is not None:  # the frame is open: say it there
            await client.views_update(view_id=view_id, view=problem_modal(problem, TITLE))
        raise InvalidInput(problem)
    rules = [glass.check_open(r.name) for r in ([selected] if selected else open_ones)]
    today = services.clock.now().date()
    name = suggest_token_name(
        command.get("user_name", ""), selected.name if selected else "", today
    )
    view = breakglass_modal(
        meta=meta.model_copy(update={"registry_id": selected.id if selected else None}),
        registries=open_ones,
        selected=selected,
        hours=max(r.max_hours for r in rules),
        token_name=name,
        today=today,
    )
    if view_id is None:
        await client.views_open(trigger_id=command["trigger_id"], view=view)
    else:
        await client.views_update(view_id=view_id, view=view)
