"""Extend and rotate as people see them: the extend modal, the DMs of the lifecycle, the nudge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.domain.models import RequestState, TokenRequest
from bot.services.ports import LifecycleNotice
from bot.services.renewals import ExtendTarget
from bot.services.words import expiry_words, mention, relative, when
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.blocks import (
    Block,
    actions,
    button,
    context,
    input_block,
    message,
    modal,
    section,
)
from handlers.views.request_modal import NONCE_PATTERN
from handlers.views.text import code, escape


class ExtendMeta(BaseModel):
    """Carried in the extend modal: which token, and a nonce against double submits."""

    registry_id: str
    registry_name: str
    token_id: str
    token_name: str
    nonce: str = Field(pattern=NONCE_PATTERN)  # only regbot's own: never "rotate:…"


def extend_modal(target: ExtendTarget, meta: ExtendMeta, now: datetime) -> Block:
    blocks: list[Block] = [
        section(
            f"Extend {code(target.token_name)} on *{escape(target.registry_name)}*. "
            "It now expires "
            f"{expiry_words(target.expiry, now)}."
        ),
        input_block(
            BlockId.EXPIRY,
            "New expiry",
            {
                "type": "datepicker",
                "action_id": ActionId.INPUT,
                "initial_date": target.suggested.isoformat(),
            },
            hint=f"At most {target.max_days} days ahead (until {target.latest:%Y-%m-%d}).",
        ),
        input_block(
            BlockId.REASON,
            "Why",
            {"type": "plain_text_input", "action_id": ActionId.INPUT, "max_length": 1000},
            optional=True,
            hint="The approvers read this.",
        ),
        context("An approver decides, as for a new token. Scopes stay as they are."),
    ]
    return modal(
        Callback.EXTEND_MODAL,
        "Extend token",
        blocks,
        submit="Ask",
        private_metadata=meta.model_dump_json(),
    )


def rotation_asked(request: TokenRequest, created: bool) -> dict[str, Any]:
    old, new = code(request.target_token_name or ""), code(request.ask.token_name)
    if created:
        text = (
            f"Rotation of {old} asked for: once approved, you create {new} (same scopes) "
            "from our DM and see its password once."
        )
    elif request.state is RequestState.PENDING:
        text = f"A rotation of {old} is already waiting for approval."
    else:
        text = f"A rotation of {old} is already approved: collect {new} from our DM."
    return message(text, [section(f":arrows_counterclockwise: {text}")])


def extension_done(request: TokenRequest, now: datetime) -> dict[str, Any]:
    text = (
        f"Token {code(request.target_token_name or '')} on "
        f"*{escape(request.ask.registry_name)}* now expires "
        f"{expiry_words(request.ask.expiry, now)}."
    )
    return message(text, [section(f":white_check_mark: {text}")])


def lifecycle_message(
    request: TokenRequest, notice: LifecycleNotice, detail: str, now: datetime
) -> dict[str, Any]:
    old, new = code(request.target_token_name or ""), code(request.ask.token_name)
    where = f"*{escape(request.ask.registry_name)}*"
    detail = escape(detail)  # IONOS's words, or a time
    buttons: list[Block] = []
    match notice:
        case LifecycleNotice.EXTENDED:
            by = mention(request.decided_by) if request.decided_by else "an approver"
            text = (
                f"Extension approved by {by}: {old} on {where} now expires "
                f"{expiry_words(request.ask.expiry, now)}."
            )
            lines = [f":white_check_mark: {text}"]
        case LifecycleNotice.EXTEND_FAILED:
            text = (
                f"Your extension of {old} on {where} was approved, but IONOS did not take the "
                f"new expiry: {detail}. Nothing is lost: click Retry (until the approval lapses)."
            )
            lines = [f":warning: {text}"]
            buttons = [button("Retry", ActionId.RETRY_EXTEND, request.id, style="primary")]
        case LifecycleNotice.SWITCH_OFFER:
            text = (
                f"{new} replaces {old} on {where}. Once everything uses {new}, click "
                f"*I've switched*: {old} is disabled then, and deleted a grace period later. "
                f"Without a click it is disabled {detail}."
            )
            lines = [f":arrows_counterclockwise: {text}"]
            buttons = [button("I've switched", ActionId.SWITCHED, request.id, style="primary")]
        case LifecycleNotice.OLD_DISABLED:
            text = f"{old} on {where} (replaced by {new}) is disabled; it is deleted {detail}."
            lines = [f":no_entry_sign: {text}", "Still needed? An approver can enable it again."]
        case LifecycleNotice.OLD_DELETED:
            text = f"{old} on {where} (replaced by {new}) is deleted. The rotation is complete."
            lines = [f":wastebasket: {text}"]
    blocks: list[Block] = [section("\n".join(lines))]
    if buttons:
        blocks.append(actions(BlockId.LIFECYCLE_ACTIONS, buttons))
    return message(text, blocks)


def _who(approver: str) -> str:
    return f"<!subteam^{approver}>" if approver.startswith("S") else mention(approver)


def nudge_message(
    request: TokenRequest, approvers: Sequence[str], count: int, now: datetime
) -> dict[str, Any]:
    asked = relative(request.created_at, now)
    who = " ".join(_who(a) for a in approvers) or "Approvers"
    need = request.quorum - len(request.approvals)
    text = (
        f"{who}: this request from {mention(request.requester)} has been waiting since "
        f"{when(request.created_at)} ({asked}) and needs {need} more approval"
        f"{'s' if need != 1 else ''}."
    )
    return message(text, [section(f":bell: {text}"), context(f"Reminder {count}.")])


def loading_extend_modal() -> Block:
    """Shown while the token is looked up at IONOS (the modal must open within 3 s)."""
    return modal(
        Callback.LOADING_MODAL,
        "Extend token",
        [section(":hourglass_flowing_sand: Looking up the token…")],
    )


def switched_message(request: TokenRequest) -> dict[str, Any]:
    """The answer to *I've switched*: the old token is off now."""
    text = (
        f"{code(request.target_token_name or '')} is disabled now; it is deleted after the "
        "grace period. An approver can enable it again if something still needs it."
    )
    return message(text, [section(text)])
