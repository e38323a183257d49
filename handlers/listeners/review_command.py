"""``/regtoken review <registry>`` and ``/regtoken adopt <registry> <token>`` (called by the
command listener after its ack)."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import RegbotError
from bot.ionos.errors import IonosError
from bot.services.words import when
from handlers.reporting import words_for
from handlers.services import Services
from handlers.views.owners import adopt_modal, loading_modal
from handlers.views.request_modal import problem_modal
from handlers.views.tokens import info_message, usage_message


async def review_command(
    services: Services,
    verb: str,
    args: list[str],
    user: str,
    trigger_id: str,
    client: AsyncWebClient,
) -> dict[str, Any] | None:
    """``review <registry>`` opens a campaign; ``adopt <registry> <token>`` opens the owner
    form (a typed ``@name`` is never read as the owner: the form's user select is)."""
    if verb == "review":
        if len(args) != 1:
            return usage_message(
                "That is not quite right.", f"{services.command} review <registry>"
            )
        campaign = await services.reviews.campaigns.start(user, args[0])
        return info_message(
            f"The access review of `{campaign.registry_name}` is open in <#{campaign.channel}>: "
            f"{campaign.total} tokens, due {when(campaign.due_at)}."
        )
    if len(args) != 2:
        return usage_message(
            "Name the registry and the token; you pick the owner in the form.",
            f"{services.command} adopt <registry> <token>",
        )
    opened = await client.views_open(trigger_id=trigger_id, view=loading_modal("Assign an owner"))
    view_id = opened["view"]["id"]
    try:
        target = await services.reviews.owners.adoptable(user, *args)
    except (RegbotError, IonosError) as exc:
        await client.views_update(
            view_id=view_id, view=problem_modal(words_for(exc), "Assign an owner")
        )
        return None
    await client.views_update(view_id=view_id, view=adopt_modal(target))
    return None
