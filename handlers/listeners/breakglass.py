"""Break-glass: the form's submission, and the approvers' Acknowledge / Revoke now."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import RegbotError
from handlers.ids import ActionId, BlockId, Callback
from handlers.listeners.breakglass_modal import breakglass_of
from handlers.listeners.submissions import PRE_ACK_SECONDS, modal_errors
from handlers.parse import private_metadata, request_form
from handlers.reporting import reporting
from handlers.services import Services, direct, ephemeral
from handlers.views import tokens as views
from handlers.views.request_modal import RequestModalMeta


def register(app: AsyncApp, services: Services) -> None:
    @app.view(Callback.BREAKGLASS_MODAL)
    async def on_breakglass(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user = body["user"]["id"]
        try:
            glass = breakglass_of(services)
            meta = private_metadata(view, RequestModalMeta)
            ask = glass.validate(request_form(view))
            async with asyncio.timeout(PRE_ACK_SECONDS):
                request, created = await glass.open(user, ask, nonce=meta.nonce)
        except (RegbotError, TimeoutError) as exc:
            await ack(response_action="errors", errors=modal_errors(exc, view, BlockId.REASON))
            return
        await ack()
        if created or (request.approval_ts is None and request.requester == user):
            async with reporting(direct(client, user), what="announce break-glass"):
                await glass.announce(request)

    @app.action(ActionId.BREAKGLASS_ACK)
    @app.action(ActionId.BREAKGLASS_REVOKE)
    async def on_review(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        user = body["user"]["id"]
        action = (body.get("actions") or [{}])[0]
        revoke = action.get("action_id") == ActionId.BREAKGLASS_REVOKE
        reply = ephemeral(respond)
        async with reporting(reply, what="break-glass review"):
            glass = breakglass_of(services)
            request_id = str(action.get("value") or "")
            if revoke:
                await glass.review.revoke(request_id, user)
                words = "Revoked: the token is disabled and deleted, and its holder was told."
            else:
                await glass.review.acknowledge(request_id, user)
                words = "Acknowledged: it leaves the daily digest."
            await reply(views.info_message(words))
