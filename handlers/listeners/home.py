"""The Home tab: opening it publishes it (in the background, paced); its own buttons — Request
a token, Show all, the pages of that modal. The item buttons on it (Extend, Approve, Create
token, Cancel…) are the DM's and the channel's, registered with them."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from handlers.ids import ActionId
from handlers.listeners.modals import open_request_modal
from handlers.reporting import reporting
from handlers.services import Services, direct
from handlers.views.home_list import home_list_modal, parse_page


def _value(body: dict[str, Any]) -> str:
    return str(((body.get("actions") or [{}])[0]).get("value") or "")


async def _logged_only(body: dict[str, Any]) -> None:
    """Opening Home is no request: a failure there is logged (by `reporting`), not DMed."""


def register(app: AsyncApp, services: Services) -> None:
    home = services.home

    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any]) -> None:
        """Events are acked by Bolt before this runs; the Home is built in the background."""
        user = str(event.get("user") or "")
        if event.get("tab", "home") != "home" or not user:
            return  # the Messages tab: nothing to publish
        async with reporting(_logged_only, what="home opened"):  # no DM for merely looking
            await home.view.opened(user, services.clock.now())
            home.updates.opened(user)

    @app.action(ActionId.HOME_REQUEST)
    async def on_request(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user = body["user"]
        async with reporting(direct(client, user["id"]), what="home request"):
            opener = {"trigger_id": body["trigger_id"], "user_name": user.get("username", "")}
            await open_request_modal(services, client, opener, None)

    @app.action(ActionId.HOME_SHOW_ALL)
    async def on_show_all(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user = body["user"]["id"]
        async with reporting(direct(client, user), what="home show all"):
            kind, _ = parse_page(f"{_value(body)}:1")
            snapshot = await home.view.snapshot(user)
            view = home_list_modal(snapshot, kind, 1, services.clock.now())
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(ActionId.HOME_PAGE)
    async def on_page(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user = body["user"]["id"]
        view_id = (body.get("view") or {}).get("id")
        if not view_id:
            return  # a page button lives in the "Show all" modal: nothing else to turn
        async with reporting(direct(client, user), what="home page"):
            kind, page = parse_page(_value(body))
            snapshot = await home.view.snapshot(user)  # always the clicker's own items
            view = home_list_modal(snapshot, kind, page, services.clock.now())
            await client.views_update(view_id=view_id, view=view)
