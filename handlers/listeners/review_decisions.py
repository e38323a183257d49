"""Keep / Disable / Delete in the review modal: ack, then one service call, then the modal
shows the new state (or, in words on top of it, why nothing was done)."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.reviews import Decision
from handlers.ids import ActionId, BlockId
from handlers.reporting import Reply, reporting
from handlers.services import Services, direct
from handlers.views.reviews import decided_notice, review_modal, with_notice
from handlers.views.tokens import info_message

DECISIONS = {
    ActionId.REVIEW_KEEP: Decision.KEEP,
    ActionId.REVIEW_DISABLE: Decision.DISABLE,
    ActionId.REVIEW_DELETE: Decision.DELETE,
}


def _note(view: dict[str, Any], token_id: str) -> str:
    values = ((view.get("state") or {}).get("values") or {}).get(BlockId.review_note(token_id))
    element = (values or {}).get(ActionId.INPUT) or {}
    value = element.get("value") if isinstance(element, dict) else None
    return value if isinstance(value, str) else ""


def _page(view: dict[str, Any]) -> int:
    try:
        return int(json.loads(view.get("private_metadata") or "{}").get("page", 0))
    except (ValueError, TypeError, AttributeError):
        return 0


def modal_notice(client: AsyncWebClient, view: dict[str, Any], user: str) -> Reply:
    """Refusals and failures, in words on top of the modal the click came from (or a DM)."""

    async def reply(body: dict[str, Any]) -> object:
        try:
            return await client.views_update(
                view_id=view["id"], view=with_notice(view, str(body.get("text", "")))
            )
        except Exception:  # noqa: BLE001 - the modal is gone: say it in the DM instead
            return await direct(client, user)(body)

    return reply


def register(app: AsyncApp, services: Services) -> None:
    reviews = services.reviews

    @app.action(ActionId.REVIEW_KEEP)
    @app.action(ActionId.REVIEW_DISABLE)
    @app.action(ActionId.REVIEW_DELETE)
    async def on_decide(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user, view = body["user"]["id"], body.get("view") or {}
        action = (body.get("actions") or [{}])[0]
        decision = DECISIONS[ActionId(action["action_id"])]
        campaign_id, _, token_id = str(action.get("value") or "").partition(":")
        async with reporting(modal_notice(client, view, user), what=f"review {decision}"):
            done = await reviews.decisions.decide(
                user, campaign_id, token_id, decision, _note(view, token_id)
            )
            if not view.get("id"):  # not clicked in the modal: say it in the DM
                await direct(client, user)(info_message(decided_notice(done.item)))
                return
            page = await reviews.campaigns.page(user, campaign_id, _page(view))
            modal = review_modal(page, services.clock.now(), notice=decided_notice(done.item))
            await client.views_update(view_id=view["id"], view=modal)
