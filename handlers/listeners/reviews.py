"""Access reviews: the campaign's *Review tokens* button, paging, and closing the modal.
Decisions: `review_decisions`; ``/regtoken review|adopt``: `review_command`."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import RegbotError
from handlers.ids import ActionId, Callback
from handlers.listeners.review_decisions import modal_notice
from handlers.reporting import reporting, words_for
from handlers.services import Services, ephemeral
from handlers.views.owners import loading_modal
from handlers.views.request_modal import problem_modal
from handlers.views.reviews import review_modal


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
        if not (body.get("view") or {}).get("id") or not (number.isascii() and number.isdigit()):
            return  # not a click from the review modal: nothing to page
        view = body["view"]
        async with reporting(modal_notice(client, view, body["user"]["id"]), what="review page"):
            page = await campaigns.page(body["user"]["id"], campaign_id, int(number))
            fresh = review_modal(page, services.clock.now())
            await client.views_update(view_id=view["id"], view=fresh)

    @app.view(Callback.ACCESS_REVIEW_MODAL)
    async def on_done(ack: AsyncAck) -> None:
        await ack()  # decisions are made by the buttons; "Done" only closes the modal
