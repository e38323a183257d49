"""Buttons of the token lifecycle: a reminder's Extend / Rotate / Disable now (and Enable,
Delete), "I've switched" after a rotation, Retry after a refused extension. Same permission
rules as the slash command; refusals come back in words, only to the clicker."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.ionos.models import TokenStatus
from handlers.ids import ActionId
from handlers.listeners.extend import open_extend_modal
from handlers.reporting import reporting
from handlers.services import Services, ephemeral, to_clicker
from handlers.views import tokens as views
from handlers.views.renewals import extension_done, rotation_asked, switched_message


def _action(body: dict[str, Any]) -> dict[str, Any]:
    found = (body.get("actions") or [{}])[0]
    return found if isinstance(found, dict) else {}


def _target(body: dict[str, Any]) -> tuple[str, str]:
    """A token button's value: ``<registry_id>:<token_id>``."""
    registry_id, _, token_id = str(_action(body).get("value") or "").partition(":")
    return registry_id, token_id


def register(app: AsyncApp, services: Services) -> None:
    life = services.lifecycle

    @app.action(ActionId.EXTEND)
    async def on_extend(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient
    ) -> None:
        await ack()
        async with reporting(to_clicker(body, respond, client), what="extend"):
            user, trigger = body["user"]["id"], body["trigger_id"]
            await open_extend_modal(services, client, trigger, user, *_target(body))

    @app.action(ActionId.ROTATE)
    async def on_rotate(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient
    ) -> None:
        await ack()
        reply = to_clicker(body, respond, client)  # a reminder DM, or the Home tab
        async with reporting(reply, what="rotate"):
            request, created = await life.asks.ask_rotation(body["user"]["id"], *_target(body))
            await reply(rotation_asked(request, created))

    @app.action(ActionId.DISABLE_NOW)
    @app.action(ActionId.ENABLE_NOW)
    async def on_status(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient
    ) -> None:
        await ack()
        reply = to_clicker(body, respond, client)
        enable = _action(body).get("action_id") == ActionId.ENABLE_NOW
        status = TokenStatus.ENABLED if enable else TokenStatus.DISABLED
        async with reporting(reply, what=f"{status} now"):
            registry_id, token_id = _target(body)
            user = body["user"]["id"]
            view = await services.tokens.set_status(user, registry_id, token_id, status)
            services.home.updates.refresh(user, *([view.owner] if view.owner else []))
            await reply(views.token_changed(view, str(status)))

    @app.action(ActionId.DELETE_NOW)
    async def on_delete(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply = ephemeral(respond)
        async with reporting(reply, what="delete now"):
            view = await services.tokens.check_delete(body["user"]["id"], *_target(body))
            await reply(views.confirm_delete(view))  # its buttons are the slash command's

    @app.action(ActionId.SWITCHED)
    async def on_switched(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply = ephemeral(respond)
        async with reporting(reply, what="switched"):
            request_id = str(_action(body).get("value") or "")
            request = await life.rotation.switched(request_id, body["user"]["id"])
            await reply(switched_message(request))

    @app.action(ActionId.RETRY_EXTEND)
    async def on_retry(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply = ephemeral(respond)
        async with reporting(reply, what="retry extension"):
            request_id = str(_action(body).get("value") or "")
            request = await life.extension.retry(request_id, body["user"]["id"])
            await reply(extension_done(request, services.clock.now()))
