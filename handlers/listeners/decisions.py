"""Button clicks: ack at once, then one service call; refusals come back in words."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.models import RequestKind, RequestState, TokenRequest
from handlers.ids import ActionId
from handlers.listeners.modals import grow_request_modal
from handlers.reporting import reporting
from handlers.services import Services, decision_outcome, direct, ephemeral, to_clicker
from handlers.views import tokens as views
from handlers.views.approval import review_modal
from handlers.views.requester import collected_message

log = logging.getLogger(__name__)


def _value(body: dict[str, Any]) -> str:
    action = (body.get("actions") or [{}])[0]
    return str(action.get("value") or "")


def register(app: AsyncApp, services: Services) -> None:
    @app.action(ActionId.APPROVE)
    async def on_approve(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient
    ) -> None:
        await ack()
        user = body["user"]["id"]
        reply = to_clicker(body, respond, client)  # the channel, /regtoken pending, or Home
        async with reporting(reply, what="approve"):
            request = await services.requests.approve(_value(body), user)
            services.decisions.count_decision(decision_outcome(request))
            await reply(views.info_message(_approved_words(request)))

    @app.action(ActionId.REVIEW)
    @app.action(ActionId.DENY)
    async def on_review(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient
    ) -> None:
        await ack()
        user = body["user"]["id"]
        deny = (body.get("actions") or [{}])[0].get("action_id") == ActionId.DENY
        async with reporting(to_clicker(body, respond, client), what="review"):
            request = await services.requests.request_for_review(_value(body), user)
            owned = await services.ownership.of_user(request.requester)
            existing = [o.token_name for o in owned if o.registry_id == request.ask.registry_id]
            view = review_modal(request, existing=existing, deny=deny, now=services.clock.now())
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(ActionId.COLLECT)
    async def on_collect(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient
    ) -> None:
        await ack()
        user = body["user"]["id"]
        collected = None
        # From the DM or from Home: either way the password goes only to an ephemeral message
        # in the DM (the delivery service posts it there); refusals go to the clicker.
        async with reporting(to_clicker(body, respond, client), what="collect"):
            collected = await services.delivery.collect(_value(body), user)
        services.home.updates.refresh(user)  # a new token, or the request as it now stands
        container = body.get("container") or {}
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if collected is None or not (channel and ts):
            return
        # The password is delivered; a failed tidy-up of the button is only logged.
        try:
            await client.chat_update(channel=channel, ts=ts, **collected_message(collected))
        except Exception as exc:  # noqa: BLE001 - cosmetic step after the real work
            log.info("collect button not replaced", extra={"error": type(exc).__name__})

    @app.action(ActionId.CONFIRM_DELETE)
    async def on_confirm_delete(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        user = body["user"]["id"]
        registry_id, _, token_id = _value(body).partition(":")
        async with reporting(ephemeral(respond), what="delete"):
            view = await services.tokens.delete(user, registry_id, token_id)
            services.home.updates.refresh(user, *([view.owner] if view.owner else []))
            await respond(replace_original=True, **views.token_changed(view, "deleted"))

    @app.action(ActionId.CANCEL_DELETE)
    async def on_cancel_delete(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        async with reporting(ephemeral(respond), what="cancel delete"):
            await respond(replace_original=True, **views.info_message("Kept: nothing was deleted."))

    @app.action(ActionId.ADD_SCOPE)
    async def on_add_scope(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user = body["user"]
        async with reporting(direct(client, user["id"]), what="add scope"):
            await grow_request_modal(services, client, body.get("view") or {}, user)

    @app.action(ActionId.REGISTRY)
    async def on_registry_picked(ack: AsyncAck) -> None:
        await ack()  # the pick is read on submission


def _approved_words(request: TokenRequest) -> str:
    if request.state is RequestState.PENDING:
        return f"Your approval is recorded ({len(request.approvals)} of {request.quorum})."
    if request.kind is RequestKind.EXTEND:
        return "Approved: the new expiry is set on IONOS and the requester has been told."
    return "Approved. The requester has been told and can collect the token."
