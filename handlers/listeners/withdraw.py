"""The Cancel button on a request (its DM, the Home tab): the requester withdraws it.
Anyone else is refused in words (and audited); `/regtoken cancel` is in `commands`."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from handlers.ids import ActionId
from handlers.reporting import reporting
from handlers.services import Services, to_clicker
from handlers.views.requester import withdrawn_message


def register(app: AsyncApp, services: Services) -> None:
    @app.action(ActionId.CANCEL_REQUEST)
    async def on_cancel(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient
    ) -> None:
        await ack()
        user = body["user"]["id"]
        reply = to_clicker(body, respond, client)
        async with reporting(reply, what="cancel request"):
            request_id = str(((body.get("actions") or [{}])[0]).get("value") or "")
            request = await services.withdrawals.cancel(request_id, user)
            answer = withdrawn_message(request)
            if respond is not None and body.get("response_url"):  # the DM: replace its buttons
                await respond(replace_original=True, **answer)
            else:
                await reply(answer)
