"""Modal submissions: validated before the ack (errors shown on their fields), then the
slow part after it.

The Redis work before the ack is bounded by `PRE_ACK_SECONDS`: Slack gives up on an ack after
3 s (Bolt then answers 404 and the person sees an error with no words), so a Redis that answers
late is reported in the modal instead, and the person submits again. Submitting again is safe:
the modal's nonce makes one request, and a request stored by a submission that was answered
"try again" is announced by the one that succeeds.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import ChangedMeanwhile, InvalidForm, InvalidInput, RegbotError
from bot.services.requests import RequestService
from handlers.ids import BlockId, Callback
from handlers.parse import private_metadata, request_form, review_form, view_state
from handlers.reporting import reporting
from handlers.services import Services, decision_outcome, direct
from handlers.views.approval import ReviewMeta, review_modal
from handlers.views.request_modal import RequestModalMeta

PRE_ACK_SECONDS = 2.0  # of Slack's 3 s: the rest is for Bolt, the network and Slack itself
REDIS_SLOW = (
    "regbot's database did not answer in time. Please try again in a minute: "
    "submitting again never makes a second request."
)


def field_errors(errors: dict[str, str], view: dict[str, Any], fallback: str) -> dict[str, str]:
    """Domain field names onto the modal's block ids (unknown ones onto `fallback`)."""
    present = set(view_state(view))
    mapped: dict[str, str] = {}
    for field, words in errors.items():
        block = field if field in present else fallback
        mapped.setdefault(block, words)
    return mapped


def modal_errors(error: Exception, view: dict[str, Any], fallback: str) -> dict[str, str]:
    """What went wrong before the ack, as errors on the modal's fields (`fallback` when the
    problem belongs to no field): the modal stays open with everything the person typed."""
    if isinstance(error, InvalidForm):
        return field_errors(error.errors, view, fallback)
    if isinstance(error, InvalidInput):
        block = error.field if error.field in view_state(view) else fallback
        return {block: error.user_message}
    if isinstance(error, RegbotError):
        return {fallback: error.user_message}
    return {fallback: REDIS_SLOW}  # a TimeoutError: the pre-ack bound ran out


def register(app: AsyncApp, services: Services) -> None:
    requests: RequestService = services.requests

    @app.view(Callback.REQUEST_MODAL)
    async def on_request(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user = body["user"]["id"]
        try:
            meta = private_metadata(view, RequestModalMeta)
            ask = requests.validate(request_form(view))
            async with asyncio.timeout(PRE_ACK_SECONDS):
                request, created = await requests.record(user, ask, nonce=meta.nonce)
        except (RegbotError, TimeoutError) as exc:
            await ack(response_action="errors", errors=modal_errors(exc, view, BlockId.REASON))
            return
        await ack()
        # A resubmitted modal finds the request its first submission stored; if that one was
        # answered "try again" (so never announced), this submission announces it.
        unannounced = request.approval_ts is None and request.requester == user
        if created or unannounced:
            async with reporting(direct(client, user), what="announce request"):
                await requests.announce(request)

    @app.view(Callback.REVIEW_MODAL)
    async def on_review(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user = body["user"]["id"]
        try:
            meta = private_metadata(view, ReviewMeta)
            async with asyncio.timeout(PRE_ACK_SECONDS):
                request = await requests.get(meta.request_id)
                review = review_form(view, len(request.ask.scopes))
                await requests.check_review(request, user, review, seen_version=meta.version)
        except ChangedMeanwhile as exc:  # show the request as it is now, to decide again
            await ack(response_action="update", view=await _fresh_review(exc, services))
            return
        except (RegbotError, TimeoutError) as exc:
            await ack(response_action="errors", errors=modal_errors(exc, view, BlockId.COMMENT))
            return
        await ack()
        async with reporting(direct(client, user), what="decide"):
            if review.decision == "deny":
                decided = await requests.deny(request.id, user, review.comment)
            else:
                decided = await requests.approve(
                    request.id, user, review, seen_version=meta.version
                )
            services.decisions.count_decision(decision_outcome(decided))


async def _fresh_review(exc: ChangedMeanwhile, services: Services) -> dict[str, Any]:
    request = exc.request
    owned = await services.ownership.of_user(request.requester)
    existing = [o.token_name for o in owned if o.registry_id == request.ask.registry_id]
    now = services.clock.now()
    return review_modal(request, existing=existing, deny=False, now=now, notice=exc.user_message)
