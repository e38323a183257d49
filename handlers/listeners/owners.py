"""Assigning a token's owner: the adopt modal's submission and the *Assign owner* user select
(in the digest and in the "owner left" report). The select's block id carries the token; the
chosen user comes from Slack's ``selected_user``, checked again by the service."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.services.owners import USER_ID
from handlers.ids import ActionId, BlockId, Callback
from handlers.parse import view_state
from handlers.reporting import reporting
from handlers.services import Services, direct, ephemeral
from handlers.views.owners import owner_assigned
from handlers.views.tokens import error_message

FORM_OUT_OF_DATE = "This form is out of date: close it and start again."


def _chosen(view: dict[str, Any]) -> str:
    element = (view_state(view).get(BlockId.OWNER) or {}).get(ActionId.INPUT) or {}
    user = element.get("selected_user") if isinstance(element, dict) else None
    return user if isinstance(user, str) else ""


def _target(meta: str) -> tuple[str, str]:
    try:
        data = json.loads(meta or "{}")
        return str(data["registry_id"]), str(data["token_id"])
    except (ValueError, KeyError, TypeError):
        return "", ""


def register(app: AsyncApp, services: Services) -> None:
    owners = services.reviews.owners

    @app.view(Callback.ADOPT_MODAL)
    async def on_adopt(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user, owner = body["user"]["id"], _chosen(view)
        registry_id, token_id = _target(view.get("private_metadata", ""))
        if not USER_ID.match(owner) or not registry_id:
            problem = "Pick a person from the list." if registry_id else FORM_OUT_OF_DATE
            await ack(response_action="errors", errors={BlockId.OWNER: problem})
            return
        await ack()
        reply = direct(client, user)
        async with reporting(reply, what="adopt"):
            await reply(owner_assigned(await owners.assign(user, registry_id, token_id, owner)))

    @app.action(ActionId.ASSIGN_OWNER)
    async def on_assign(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply = ephemeral(respond)
        action = (body.get("actions") or [{}])[0]
        prefix, _, rest = str(action.get("block_id") or "").partition(":")
        registry_id, _, token_id = rest.partition(":")
        owner = str(action.get("selected_user") or "")
        async with reporting(reply, what="assign owner"):
            if prefix != BlockId.ASSIGN_OWNER_PREFIX or not token_id:
                await reply(error_message("That select is out of date."))
                return
            await reply(
                owner_assigned(
                    await owners.assign(body["user"]["id"], registry_id, token_id, owner)
                )
            )
