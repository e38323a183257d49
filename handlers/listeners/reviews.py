"""Access reviews: ``/regtoken review|adopt`` (from the command listener), the campaign's
*Review tokens* button, paging, and closing the modal. Decisions: `review_decisions`."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import RegbotError
from bot.ionos.errors import IonosError
from bot.services.words import when
from handlers.ids import ActionId, Callback
from handlers.reporting import reporting, words_for
from handlers.services import Services, ephemeral
from handlers.views.owners import adopt_modal, loading_modal
from handlers.views.request_modal import problem_modal
from handlers.views.reviews import review_modal
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


def _value(body: dict[str, Any]) -> str:
    found = (body.get("actions") or [{}])[0]
    return str(found.get("value") or "") if isinstance(found, dict) else ""


def register(app: AsyncApp, services: Services) -> None:
    campaigns = services.reviews.campaigns

    @app.action(ActionId.REVIEW_TOKENS)
    async def on_open(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        async with reporting(ephemeral(respond), what="review tokens"):
            opened = await client.views_open(
                trigger_id=body["trigger_id"], view=loading_modal("Review tokens")
            )
            view_id = opened["view"]["id"]
            try:
                page = await campaigns.page(body["user"]["id"], _value(body), 0)
            except RegbotError as exc:
                await client.views_update(
                    view_id=view_id, view=problem_modal(words_for(exc), "Review tokens")
                )
                return
            await client.views_update(
                view_id=view_id, view=review_modal(page, services.clock.now())
            )

    @app.action(ActionId.REVIEW_PREV)
    @app.action(ActionId.REVIEW_NEXT)
    async def on_page(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        campaign_id, _, number = _value(body).partition(":")
        view = body.get("view") or {}
        async with reporting(_log_only, what="review page"):
            page = await campaigns.page(body["user"]["id"], campaign_id, int(number or 0))
            await client.views_update(
                view_id=view["id"], view=review_modal(page, services.clock.now())
            )

    @app.view(Callback.ACCESS_REVIEW_MODAL)
    async def on_done(ack: AsyncAck) -> None:
        await ack()  # decisions are made by the buttons; "Done" only closes the modal


async def _log_only(body: dict[str, Any]) -> None:
    """Paging has nobody to answer but the modal itself; `reporting` has logged it."""
