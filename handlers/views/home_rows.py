"""One Home item as blocks: a token, an open request, a decided one, one waiting for a decision.

Shared by the Home tab (`handlers.views.home`) and its paged "Show all" modal
(`handlers.views.home_list`). The buttons are the ones the DMs and the approval channel carry
(same action ids, same values), so their listeners check permission the same way. User text
and names from IONOS are escaped; nothing secret is rendered (tokens carry no password).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from bot.domain.models import RequestKind, RequestState, TokenRequest
from bot.ionos.models import TokenStatus
from bot.services.tokens import TokenView
from bot.services.words import mention, relative
from handlers.ids import ActionId, BlockId
from handlers.views.approval import summary_text
from handlers.views.blocks import Block, actions, button, clip, context, plain, section
from handlers.views.text import escape

SCOPES_SHOWN = 3
REASON_SHOWN = 200


class HomeSection(StrEnum):
    TOKENS = "tokens"
    REQUESTS = "requests"
    DECIDED = "decided"
    WAITING = "waiting"


def expiry_in_words(expiry: datetime | None, now: datetime) -> str:
    """``in 3 days, on 8 Dec`` (the year added when it is not this one) — or ``never``."""
    if expiry is None:
        return "never"
    day = expiry.astimezone(UTC)
    text = f"{day.day} {day:%b}" + (f" {day.year}" if day.year != now.year else "")
    return f"{relative(expiry, now)}, on {text}"


def _confirm_cancel(what: str) -> Block:
    return {
        "title": plain("Withdraw this request?", 100),
        "text": plain(f"Your request for {what} is withdrawn; the approvers see that.", 300),
        "confirm": plain("Withdraw it", 30),
        "deny": plain("Keep it", 30),
    }


def cancel_button(request: TokenRequest) -> Block:
    what = f"{request.ask.token_name} on {request.ask.registry_name}"
    return button(
        "Cancel request", ActionId.CANCEL_REQUEST, request.id, confirm=_confirm_cancel(what)
    )


def token_row(view: TokenView, now: datetime) -> list[Block]:
    token = view.token
    scopes = [f"`{escape(s.name)}` {'/'.join(s.actions)}" for s in token.scopes[:SCOPES_SHOWN]]
    if len(token.scopes) > SCOPES_SHOWN:
        scopes.append(f"+{len(token.scopes) - SCOPES_SHOWN} more")
    status = token.status.value if token.status else "unknown"
    text = (
        f"*`{escape(token.name)}`* on *{escape(view.registry.name)}* · {status} · "
        f"expires {expiry_in_words(token.expiry_date, now)}\n{', '.join(scopes) or 'no scopes'}"
    )
    value = f"{view.registry.id}:{token.id}"
    switch = (
        button("Enable", ActionId.ENABLE_NOW, value)
        if token.status is TokenStatus.DISABLED
        else button("Disable", ActionId.DISABLE_NOW, value, style="danger")
    )
    buttons = [
        button("Extend", ActionId.EXTEND, value, style="primary"),
        button("Rotate", ActionId.ROTATE, value),
        switch,
    ]
    return [section(text), actions(BlockId.home_row(HomeSection.TOKENS, token.id), buttons)]


def _request_title(request: TokenRequest) -> str:
    ask = request.ask
    where = f"on *{escape(ask.registry_name)}*"
    if request.kind is RequestKind.EXTEND:
        return f"Extend *`{escape(request.target_token_name or '')}`* {where}"
    if request.kind is RequestKind.ROTATE:
        old, new = escape(request.target_token_name or ""), escape(ask.token_name)
        return f"Rotate *`{old}`* {where} (new `{new}`)"
    return f"*`{escape(ask.token_name)}`* {where}"


def _scopes(request: TokenRequest) -> str:
    shown = [
        f"`{escape(s.repository)}` {'/'.join(a.value for a in s.sorted_actions())}"
        for s in request.ask.scopes[:SCOPES_SHOWN]
    ]
    more = len(request.ask.scopes) - SCOPES_SHOWN
    return ", ".join(shown + ([f"+{more} more"] if more > 0 else []))


def open_request_row(request: TokenRequest, now: datetime) -> list[Block]:
    asked = f"asked {relative(request.created_at, now)}"
    match request.state:
        case RequestState.PENDING:
            have = f"{len(request.approvals)} of {request.quorum}"
            state = f":hourglass_flowing_sand: waiting for approval ({have})"
            buttons = [cancel_button(request)]
        case RequestState.APPROVED if request.kind is not RequestKind.EXTEND:
            state = ":white_check_mark: approved: create the token when you are ready"
            collect = button(
                "Create token and show password", ActionId.COLLECT, request.id, style="primary"
            )
            buttons = [collect, cancel_button(request)]
        case RequestState.APPROVED:
            state = ":white_check_mark: approved; IONOS has not taken the new expiry yet"
            buttons = [cancel_button(request)]
        case _:
            state = ":gear: the token is being created"
            buttons = []
    text = f"{_request_title(request)} · {_scopes(request)}\n{state} · {asked}"
    blocks = [section(text)]
    if buttons:
        blocks.append(actions(BlockId.home_row(HomeSection.REQUESTS, request.id), buttons))
    return blocks


def decided_row(request: TokenRequest, now: datetime) -> list[Block]:
    by = mention(request.decided_by) if request.decided_by else "an approver"
    match request.state:
        case RequestState.COLLECTED if request.kind is RequestKind.EXTEND:
            outcome = f":white_check_mark: approved by {by}; new expiry set"
        case RequestState.COLLECTED:
            outcome = f":key: approved by {by}; token created"
        case RequestState.DENIED:
            why = f": “{escape(clip(request.comment, REASON_SHOWN))}”" if request.comment else ""
            outcome = f":no_entry: denied by {by}{why}"
        case RequestState.CANCELLED if request.review == "revoked":
            outcome = ":no_entry: break-glass revoked by an approver"
        case RequestState.CANCELLED:
            outcome = ":wastebasket: withdrawn by you"
        case RequestState.EXPIRED if request.decided_by:
            outcome = ":hourglass: expired: approved but not collected in time"
        case _:
            outcome = ":hourglass: expired: nobody decided in time"
    when = request.cancelled_at or request.decided_at or request.created_at
    return [context(f"{_request_title(request)} — {outcome} ({relative(when, now)})")]


def waiting_row(request: TokenRequest, now: datetime) -> list[Block]:
    reason = escape(clip(request.ask.reason.replace("\n", " "), REASON_SHOWN))
    text = (
        f"{summary_text(request)}: `{escape(request.ask.token_name)}` · {_scopes(request)}\n"
        f">{reason}\nasked {relative(request.created_at, now)} · "
        f"approvals {len(request.approvals)} of {request.quorum}"
    )
    value = request.id
    buttons = [
        button("Approve", ActionId.APPROVE, value, style="primary"),
        button("Review", ActionId.REVIEW, value),
        button("Deny", ActionId.DENY, value, style="danger"),
    ]
    return [section(text), actions(BlockId.home_row(HomeSection.WAITING, request.id), buttons)]


ROWS = {
    HomeSection.REQUESTS: open_request_row,
    HomeSection.DECIDED: decided_row,
    HomeSection.WAITING: waiting_row,
}
