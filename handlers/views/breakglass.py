"""Break-glass as people see it: the form with its warning, the security alert, the approvers'
post-hoc review message (Acknowledge, Revoke now) and the holder's notice of a revocation.
Every piece of user text (the reason, names typed in the form) is escaped."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.domain.models import RequestState, TokenRequest
from bot.ionos.models import Registry
from bot.services.words import expiry_words, mention, when
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.blocks import Block, actions, button, context, header, message, modal, section
from handlers.views.request_modal import RequestModalMeta, request_modal
from handlers.views.text import escape, quoted, scope_line

WARNING = (
    ":rotating_light: *Break-glass is for emergencies only.* You approve your own request: "
    "the token works at once, for at most {hours} hours. The security channel is alerted now, "
    "with your name and reason, and the approvers of the registry review it afterwards and "
    "may revoke it at any time."
)


def breakglass_modal(
    *,
    meta: RequestModalMeta,
    registries: list[Registry],
    selected: Registry | None,
    hours: int,
    token_name: str,
    today: date,
) -> Block:
    """The request form without the expiry (it is `hours` from now), with the warning first."""
    base = request_modal(
        meta=meta,
        registries=registries,
        selected=selected,
        token_name=token_name,
        expiry=today,  # dropped below: break-glass has no expiry to pick
        max_expiry=today,
        max_days=1,
    )
    blocks = [b for b in base["blocks"] if b.get("block_id") != BlockId.EXPIRY]
    blocks[0] = section(WARNING.format(hours=hours))
    blocks.insert(-1, context(f"Expires {hours} hours after you submit. The reason is required."))
    return modal(
        Callback.BREAKGLASS_MODAL,
        "Break-glass token",
        blocks,
        submit="Break the glass",
        private_metadata=base["private_metadata"],
    )


def _scopes(request: TokenRequest) -> str:
    return "\n".join(scope_line(s) for s in request.ask.scopes)


def alert_message(request: TokenRequest, now: datetime) -> dict[str, Any]:
    ask = request.ask
    text = (
        f":rotating_light: *Break-glass* by {mention(request.requester)} on "
        f"*{escape(ask.registry_name)}*: token `{escape(ask.token_name)}`, "
        f"expiring {expiry_words(ask.expiry, now)}"
    )
    blocks = [
        section(text),
        section(f"*Scopes*\n{_scopes(request)}"),
        section(f"*Reason*\n{quoted(ask.reason)}"),
        context("Self-approved. The registry's approvers review it in their channel."),
    ]
    return message(
        f"Break-glass by {mention(request.requester)} on {escape(ask.registry_name)}", blocks
    )


def review_state(request: TokenRequest) -> str:
    if request.review == "acknowledged":
        return f":white_check_mark: Acknowledged by {mention(request.reviewed_by or '')}"
    if request.review == "revoked":
        return f":no_entry: Revoked by {mention(request.reviewed_by or '')}: disabled, then deleted"
    if request.state is RequestState.COLLECTED:
        return ":warning: In use, not reviewed yet: acknowledge it, or revoke it now."
    if request.state in (RequestState.EXPIRED, RequestState.CANCELLED):
        return f":hourglass: {request.state.value.capitalize()}: no token was made."
    return ":warning: Not collected yet, not reviewed yet."


def review_message(request: TokenRequest, now: datetime) -> dict[str, Any]:
    ask = request.ask
    blocks: list[Block] = [
        header("Break-glass token: review"),
        section(
            f"{mention(request.requester)} approved their own token `{escape(ask.token_name)}` "
            f"on *{escape(ask.registry_name)}* at {when(request.created_at)}, expiring "
            f"{expiry_words(ask.expiry, now)}.\n*Scopes*\n{_scopes(request)}"
        ),
        section(f"*Reason*\n{quoted(ask.reason)}"),
        context(review_state(request)),
    ]
    if request.review is None:
        revoke_confirm = {
            "title": {"type": "plain_text", "text": "Revoke this token?"},
            "text": {"type": "mrkdwn", "text": "It is disabled, then deleted, at once."},
            "confirm": {"type": "plain_text", "text": "Revoke now"},
            "deny": {"type": "plain_text", "text": "Cancel"},
        }
        blocks.append(
            actions(
                BlockId.BREAKGLASS_ACTIONS,
                [
                    button("Acknowledge", ActionId.BREAKGLASS_ACK, request.id, style="primary"),
                    button(
                        "Revoke now",
                        ActionId.BREAKGLASS_REVOKE,
                        request.id,
                        style="danger",
                        confirm=revoke_confirm,
                    ),
                ],
            )
        )
    return message(f"Break-glass by {mention(request.requester)}: review", blocks)


def revoked_message(request: TokenRequest, actor: str) -> dict[str, Any]:
    text = (
        f":no_entry: Your break-glass token `{escape(request.ask.token_name)}` on "
        f"*{escape(request.ask.registry_name)}* was revoked by {mention(actor)}."
    )
    return message(text, [section(text)])
