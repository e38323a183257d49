"""`/regtoken <subcommand>`: ack at once, then one service call and one reply."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.ionos.models import TokenStatus
from handlers.listeners.breakglass_modal import open_breakglass_modal
from handlers.listeners.extend import open_extend_modal
from handlers.listeners.modals import open_request_modal
from handlers.listeners.review_command import review_command
from handlers.parse import split_args
from handlers.reporting import reporting
from handlers.services import Services, ephemeral
from handlers.views import tokens as views
from handlers.views.renewals import rotation_asked
from handlers.views.requester import withdrawn_message

USAGE = {
    "show": "show <registry> <token>",
    "disable": "disable <registry> <token>",
    "enable": "enable <registry> <token>",
    "delete": "delete <registry> <token>",
    "extend": "extend <registry> <token>",
    "rotate": "rotate <registry> <token>",
    "audit": "audit [registry [token]]",
    "list": "list [registry]",
    "request": "request [registry]",
    "breakglass": "breakglass [registry]",
    "cancel": "cancel [registry] <token name>",
    "pending": "pending [page]",
    "review": "review <registry>",
    "adopt": "adopt <registry> <token>",
}


def register(app: AsyncApp, services: Services) -> None:
    @app.command(services.command)
    async def on_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        args = split_args(command.get("text", ""))
        verb = args[0].lower() if args else "help"
        user = command["user_id"]
        reply = ephemeral(respond)
        async with reporting(reply, what=f"command {verb}"):
            body = await _run(services, verb, args[1:], user, command, client)
            if body is not None:
                await reply(body)


async def _run(
    services: Services,
    verb: str,
    args: list[str],
    user: str,
    command: dict[str, Any],
    client: AsyncWebClient,
) -> dict[str, Any] | None:
    now = services.clock.now()
    usage = f"{services.command} {USAGE.get(verb, '')}"
    pair = verb in ("show", "disable", "enable", "delete", "extend", "rotate")
    if (pair and len(args) != 2) or (
        verb in ("list", "request", "breakglass", "pending") and len(args) > 1
    ):
        return views.usage_message("That is not quite right.", usage)
    if verb == "pending" and args and not args[0].isdigit():
        return views.usage_message("The page is a number.", usage)
    if verb == "audit" and len(args) > 2:
        return views.usage_message("Too many words.", usage)
    match verb:
        case "request":
            await open_request_modal(services, client, command, args[0] if args else None)
            return None
        case "breakglass":
            await open_breakglass_modal(services, client, command, args[0] if args else None)
            return None
        case "list":
            listing = await services.tokens.list_tokens(user, args[0] if args else None)
            return views.token_listing(listing, now)
        case "show":
            return views.token_detail(await services.tokens.show(user, *args), now)
        case "disable" | "enable":
            status = TokenStatus.DISABLED if verb == "disable" else TokenStatus.ENABLED
            view = await services.tokens.set_status(user, args[0], args[1], status)
            services.home.updates.refresh(user, *([view.owner] if view.owner else []))
            return views.token_changed(view, f"{verb}d")
        case "delete":
            return views.confirm_delete(await services.tokens.check_delete(user, *args))
        case "extend":
            await open_extend_modal(services, client, command["trigger_id"], user, *args)
            return None
        case "rotate":
            return rotation_asked(*await services.lifecycle.asks.ask_rotation(user, *args))
        case "cancel":
            if not 1 <= len(args) <= 2:
                return views.usage_message("Say which request.", usage)
            return withdrawn_message(await services.withdrawals.cancel_named(user, args))
        case "pending":
            waiting = await services.requests.pending_for(user)
            page = int(args[0]) if args else 1
            return views.pending_listing(waiting, now, page=page, command=services.command)
        case "audit":
            entries = await services.tokens.audit_trail(user, *args)
            names = {r.id: r.name for r in services.catalog.cached() or []}
            return views.audit_listing(entries, " ".join(["Audit trail", *args]), names)
        case "review" | "adopt":  # access reviews and token owners
            return await review_command(services, verb, args, user, command["trigger_id"], client)
        case _:
            return views.help_message(services.command)
