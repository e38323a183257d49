"""What the requester sees in their DM with the bot, and the one-time password message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.models import RequestKind, RequestState, TokenRequest
from bot.services.ports import DeliveredCredentials, RequesterNotice
from bot.services.words import expiry_words, mention, when
from handlers.ids import ActionId, BlockId
from handlers.views.blocks import Block, actions, button, context, message, section
from handlers.views.home_rows import cancel_button
from handlers.views.rules import decided_by_words
from handlers.views.text import code, escape, quoted, scope_line


def _what(request: TokenRequest, now: datetime) -> str:
    ask = request.ask
    scopes = "; ".join(scope_line(s) for s in ask.scopes)
    where = f"*{escape(ask.registry_name)}*"
    old = f"{code(request.target_token_name or '')} on {where}"
    if request.kind is RequestKind.EXTEND:
        return f"extension of {old} to {expiry_words(ask.expiry, now)}"
    if request.kind is RequestKind.ROTATE:
        return f"rotation of {old}: new token {code(ask.token_name)} ({scopes})"
    return (
        f"token {code(ask.token_name)} on {where} ({scopes}), "
        f"expiring {expiry_words(ask.expiry, now)}"
    )


def requester_message(
    request: TokenRequest, notice: RequesterNotice, now: datetime
) -> dict[str, Any]:
    what = _what(request, now)
    blocks: list[Block]
    match notice:
        case RequesterNotice.PENDING:
            text = f"Your request for {what} is waiting for approval."
            blocks = [
                section(f":hourglass_flowing_sand: {text}"),
                actions(BlockId.COLLECT_ACTIONS, [cancel_button(request)]),
            ]
        case RequesterNotice.APPROVED:
            by = decided_by_words(request)
            text = f"Approved by {by}: {what}."
            blocks = [section(f":white_check_mark: {text}")]
            if request.narrowed:
                narrowed = escape(request.narrowed)
                blocks.append(section(f"*The approver narrowed your request:* {narrowed}"))
            if request.comment:
                blocks.append(section(f"*Comment:*\n{quoted(request.comment)}"))
            blocks += [
                actions(
                    BlockId.COLLECT_ACTIONS,
                    [
                        button(
                            "Create token and show password",
                            ActionId.COLLECT,
                            request.id,
                            style="primary",
                        ),
                        cancel_button(request),
                    ],
                ),
                context("The password is shown once, here, to you alone. Have a safe place ready."),
            ]
        case RequesterNotice.DENIED:
            by = mention(request.decided_by) if request.decided_by else "an approver"
            text = f"Denied by {by}: {what}."
            blocks = [section(f":no_entry: {text}")]
            if request.comment:
                blocks.append(section(f"*Why:*\n{quoted(request.comment)}"))
        case RequesterNotice.EXPIRED:
            text = f"Your request for {what} expired."
            blocks = [section(f":hourglass: {text} Ask again with `/regtoken request`.")]
    return message(text, blocks)


def withdrawn_message(request: TokenRequest) -> dict[str, Any]:
    """The answer to a Cancel: what was withdrawn (it replaces the DM's buttons)."""
    text = (
        f"You withdrew your request for {code(request.ask.token_name)} on "
        f"*{escape(request.ask.registry_name)}*. The approvers see it was withdrawn."
    )
    return message(text, [section(f":wastebasket: {text}")])


def collected_message(request: TokenRequest) -> dict[str, Any]:
    at = when(request.decided_at) if request.decided_at else ""
    text = (
        f"Token {code(request.ask.token_name)} on *{escape(request.ask.registry_name)}* "
        "was created "
        "and its password shown to you once."
    )
    blocks = [section(f":key: {text}")]
    if request.state is RequestState.COLLECTED and at:
        blocks.append(context(f"Approved {at}. Lost the password? Rotate the token."))
    return message(text, blocks)


def credentials_message(credentials: DeliveredCredentials) -> dict[str, Any]:
    """The ephemeral answer that carries the password — the one place it ever goes."""
    password = escape(credentials.password.get_secret_value())  # shown as IONOS made it
    host, username = escape(credentials.registry_host), escape(credentials.username)
    login = f"docker login {host} -u {username} --password-stdin"
    blocks: list[Block] = [
        section(f":key: Your token {code(credentials.token_name)} is ready."),
        section(
            None,
            fields=[
                f"*Registry*\n`{host}`",
                f"*Username*\n`{username}`",
                f"*Password*\n`{password}`",
                f"*Expires*\n{credentials.expiry_text}",
            ],
        ),
        section(f"Log in with:\n```{login}```"),
        context(
            ":warning: This password will not be shown again. It is not stored anywhere: "
            "copy it into your secret store now."
        ),
    ]
    return message(f"Your token {escape(credentials.token_name)} is ready (shown once).", blocks)
