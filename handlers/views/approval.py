"""The request as approvers see it: the channel message and the review modal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from bot.domain.models import RequestKind, RequestState, TokenRequest, strongest_action
from bot.services.words import expiry_words, mention, when
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.blocks import (
    Block,
    actions,
    button,
    context,
    header,
    input_block,
    message,
    modal,
    option,
    section,
)
from handlers.views.rules import decided_by_words, escalated_line
from handlers.views.text import code, escape, quoted, scope_line


class ReviewMeta(BaseModel):
    request_id: str
    version: int | None = None  # the request's version the modal shows (None: an old modal)


TITLES = {
    RequestKind.NEW: "Registry token request",
    RequestKind.EXTEND: "Extend a registry token",
    RequestKind.ROTATE: "Rotate a registry token",
}


def summary_text(request: TokenRequest) -> str:
    ask = request.ask
    power = strongest_action(ask.scopes).value
    who, where = mention(request.requester), f"*{escape(ask.registry_name)}*"
    old = code(request.target_token_name or "")
    match request.kind:
        case RequestKind.EXTEND:
            return f"{who} asks to *extend* the *{power}* token {old} on {where}"
        case RequestKind.ROTATE:
            return f"{who} asks to *rotate* the *{power}* token {old} on {where} (same scopes)"
        case _:
            return f"{who} asks for a *{power}* token on {where}"


def request_fields(request: TokenRequest, now: datetime) -> list[str]:
    ask = request.ask
    name = "New token" if request.kind is RequestKind.ROTATE else "Token name"
    expires = "New expiry" if request.kind is RequestKind.EXTEND else "Expires"
    return [
        f"*{name}*\n{code(ask.token_name)}",
        f"*{expires}*\n{expiry_words(ask.expiry, now)}",
        "*Repositories*\n" + "\n".join(scope_line(s) for s in ask.scopes),
        f"*Approvals needed*\n{request.quorum}",
    ]


def outcome_text(request: TokenRequest) -> str:
    by = decided_by_words(request, "someone")
    at = f" at {when(request.decided_at)}" if request.decided_at else ""
    match request.state:
        case RequestState.APPROVED | RequestState.COLLECTING | RequestState.COLLECTED:
            text = f":white_check_mark: Approved by {by}{at}"
            if request.narrowed:
                text += f" — narrowed: {escape(request.narrowed)}"
            if request.state is RequestState.COLLECTED:
                extended = request.kind is RequestKind.EXTEND
                text += ". New expiry set on IONOS." if extended else ". Token collected."
            elif request.kind is RequestKind.EXTEND and request.state is RequestState.APPROVED:
                text += ". IONOS has not taken the new expiry yet: retry below."
            return text
        case RequestState.DENIED:
            return f":no_entry: Denied by {by}{at}"
        case RequestState.EXPIRED if request.decided_by:
            return f":hourglass: Approved by {by}{at}, then expired: not collected in time."
        case RequestState.EXPIRED:
            return ":hourglass: Expired: nobody decided in time."
        case RequestState.CANCELLED if request.review == "revoked":
            return f":no_entry: Break-glass revoked by {mention(request.reviewed_by or '')}."
        case RequestState.CANCELLED:
            at = f" at {when(request.cancelled_at)}" if request.cancelled_at else ""
            return f":wastebasket: Withdrawn by the requester{at}."
        case _:
            count = len(request.approvals)
            return f":hourglass_flowing_sand: Waiting for approval ({count} of {request.quorum})"


def approval_message(request: TokenRequest, now: datetime) -> dict[str, Any]:
    blocks: list[Block] = [
        header(TITLES[request.kind]),
        section(summary_text(request), fields=request_fields(request, now)),
        section(f"*Reason*\n{quoted(request.ask.reason)}"),
    ]
    if request.comment:
        blocks.append(section(f"*Comment*\n{quoted(request.comment)}"))
    blocks.append(context(outcome_text(request)))
    if request.escalated_at is not None:
        blocks.append(context(escalated_line(request, ())))
    if request.state is RequestState.PENDING:
        value = request.id
        blocks.append(
            actions(
                BlockId.APPROVAL_ACTIONS,
                [
                    button("Review", ActionId.REVIEW, value, style="primary"),
                    button("Approve", ActionId.APPROVE, value),
                    button("Deny", ActionId.DENY, value, style="danger"),
                ],
            )
        )
    elif request.kind is RequestKind.EXTEND and request.state is RequestState.APPROVED:
        retry = button("Retry the extension", ActionId.RETRY_EXTEND, request.id, style="primary")
        blocks.append(actions(BlockId.APPROVAL_ACTIONS, [retry]))
    registry = escape(request.ask.registry_name)
    text = f"Token request from {mention(request.requester)} for {registry}"
    return message(text, blocks)


def _names(existing: list[str], shown: int = 30) -> str:
    have = ", ".join(code(name) for name in existing[:shown]) or "none"
    if len(existing) > shown:
        have += f" and {len(existing) - shown} more"
    return have


def review_modal(
    request: TokenRequest,
    *,
    existing: list[str],
    deny: bool,
    now: datetime,
    notice: str = "",
) -> Block:
    ask = request.ask
    have = _names(existing)
    blocks: list[Block] = [section(f":warning: {escape(notice)}")] if notice else []
    blocks += [
        section(summary_text(request), fields=request_fields(request, now)),
        section(f"*Reason*\n{quoted(ask.reason)}"),
        context(f"Their tokens on {escape(ask.registry_name)} made through regbot: {have}"),
        input_block(
            BlockId.DECISION,
            "Decision",
            {
                "type": "radio_buttons",
                "action_id": ActionId.INPUT,
                "options": [option("Approve", "approve"), option("Deny", "deny")],
                "initial_option": option("Deny", "deny") if deny else option("Approve", "approve"),
            },
        ),
        input_block(
            BlockId.COMMENT,
            "Comment",
            {
                "type": "plain_text_input",
                "action_id": ActionId.INPUT,
                "multiline": True,
                "max_length": 1000,
            },
            optional=True,
            hint="Required to deny. The requester reads it.",
        ),
    ]
    if ask.expiry is not None:
        blocks.append(
            input_block(
                BlockId.EXPIRY,
                "Expires on (earlier only)",
                {
                    "type": "datepicker",
                    "action_id": ActionId.INPUT,
                    "initial_date": ask.expiry.date().isoformat(),
                },
                optional=True,
            )
        )
    if request.kind is RequestKind.EXTEND:
        # PATCHed at once with the new expiry only: the token keeps its scopes, so none are
        # offered for narrowing here (rotate the token to change them)
        blocks.append(context("An extension sets a new expiry only; the token keeps its scopes."))
    for index, scope in enumerate([] if request.kind is RequestKind.EXTEND else ask.scopes):
        requested = [option(a.value, a.value) for a in scope.sorted_actions()]
        blocks.append(
            input_block(
                BlockId.scope_actions(index),
                f"Actions on {scope.repository}",
                {
                    "type": "checkboxes",
                    "action_id": ActionId.INPUT,
                    "options": requested,
                    "initial_options": requested,
                },
                optional=True,
                hint="Untick to narrow; untick all to drop this repository.",
            )
        )
    return modal(
        Callback.REVIEW_MODAL,
        "Review request",
        blocks,
        submit="Decide",
        private_metadata=ReviewMeta(
            request_id=request.id, version=request.version
        ).model_dump_json(),
    )
