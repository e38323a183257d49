"""Opening and growing the request modal (the registry list comes from the cache)."""

from __future__ import annotations

import uuid
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.ionos.models import Registry
from bot.services.forms import default_expiry_date, suggest_token_name
from handlers.parse import private_metadata, request_form
from handlers.services import Services
from handlers.views.request_modal import RequestModalMeta, loading_modal, request_modal


def _request_view(
    services: Services,
    meta: RequestModalMeta,
    registries: list[Registry],
    selected: Registry | None,
    user_name: str,
) -> dict[str, Any]:
    policy = services.policy
    governed = selected is not None and policy.governs(selected.name)
    rules = policy.for_registry(selected.name) if selected and governed else policy.defaults
    now = services.clock.now()
    return request_modal(
        meta=meta.model_copy(update={"registry_id": selected.id if selected else None}),
        registries=registries,
        selected=selected,
        token_name=suggest_token_name(user_name, selected.name if selected else "", now.date()),
        expiry=default_expiry_date(now, rules.default_expiry_days),
        max_expiry=default_expiry_date(now, rules.max_expiry_days),
        max_days=rules.max_expiry_days,
    )


async def open_request_modal(
    services: Services, client: AsyncWebClient, command: dict[str, Any], wanted: str | None
) -> None:
    """Open the modal at once (the trigger_id lives 3 s); load registries only if needed."""
    meta = RequestModalMeta(nonce=uuid.uuid4().hex)
    trigger = command["trigger_id"]
    registries = services.catalog.cached()
    view_id = None
    if registries is None:
        opened = await client.views_open(trigger_id=trigger, view=loading_modal(meta))
        view_id = opened["view"]["id"]
        registries = await services.catalog.refresh()
    selected = next((r for r in registries if wanted in (r.name, r.id)), None) if wanted else None
    view = _request_view(services, meta, registries, selected, command.get("user_name", ""))
    if view_id is None:
        await client.views_open(trigger_id=trigger, view=view)
        if not services.catalog.is_fresh():
            await services.catalog.refresh()
    else:
        await client.views_update(view_id=view_id, view=view)


async def grow_request_modal(
    services: Services, client: AsyncWebClient, view: dict[str, Any], user: dict[str, Any]
) -> None:
    """One more repository row; Slack keeps what was typed in blocks whose ids stay."""
    meta = private_metadata(view, RequestModalMeta)
    grown = meta.model_copy(update={"rows": meta.rows + 1})
    picked = request_form(view).registry_id or meta.registry_id
    registries = services.catalog.cached() or []
    selected = next((r for r in registries if r.id == picked), None)
    body = _request_view(services, grown, registries, selected, user.get("username", ""))
    await client.views_update(view_id=view["id"], hash=view.get("hash"), view=body)
