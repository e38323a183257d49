"""The extend modal: opened from a reminder's Extend button or `/regtoken extend`; its date is
checked against the policy before the ack, the request made after it."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import RegbotError
from bot.ionos.errors import IonosError
from handlers.ids import BlockId, Callback
from handlers.listeners.submissions import modal_errors
from handlers.parse import private_metadata, request_form
from handlers.reporting import people_in, reporting, words_for
from handlers.services import Services, direct
from handlers.views.renewals import ExtendMeta, extend_modal, loading_extend_modal
from handlers.views.request_modal import problem_modal


async def open_extend_modal(
    services: Services,
    client: AsyncWebClient,
    trigger_id: str,
    user: str,
    registry_ref: str,
    token_ref: str,
) -> None:
    """Open the modal at once (the trigger_id lives 3 s, and finding the token takes an IONOS
    call), then fill it in — or say in it why this token cannot be extended."""
    opened = await client.views_open(trigger_id=trigger_id, view=loading_extend_modal())
    view_id = opened["view"]["id"]
    try:
        target = await services.lifecycle.asks.extend_target(user, registry_ref, token_ref)
    except (RegbotError, IonosError) as exc:
        problem = problem_modal(words_for(exc), "Extend token", people=people_in(exc))
        await client.views_update(view_id=view_id, view=problem)
        return
    meta = ExtendMeta(
        registry_id=target.registry_id,
        registry_name=target.registry_name,
        token_id=target.token_id,
        token_name=target.token_name,
        nonce=uuid.uuid4().hex,
    )
    view = extend_modal(target, meta, services.clock.now())
    await client.views_update(view_id=view_id, view=view)


def register(app: AsyncApp, services: Services) -> None:
    asks = services.lifecycle.asks

    @app.view(Callback.EXTEND_MODAL)
    async def on_extend(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user = body["user"]["id"]
        form = request_form(view)  # the same block ids: expiry and reason
        try:
            meta = private_metadata(view, ExtendMeta)
            asks.check_extension(meta.registry_name, form.expiry_date)
        except RegbotError as exc:
            await ack(response_action="errors", errors=modal_errors(exc, view, BlockId.EXPIRY))
            return
        await ack()
        async with reporting(direct(client, user), what="ask extension"):
            await asks.ask_extension(
                user,
                meta.registry_id,
                meta.token_id,
                form.expiry_date,
                form.reason,
                nonce=meta.nonce,
            )
