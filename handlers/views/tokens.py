"""Listings and answers to the slash command: help, tokens, one token, audit, pending."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.models import TokenRequest
from bot.services.ports import AuditRecord
from bot.services.tokens import TokenListing, TokenView
from bot.services.words import expiry_words, mention, when
from handlers.ids import ActionId
from handlers.views.approval import summary_text
from handlers.views.blocks import Block, actions, button, context, divider, header, message, section
from handlers.views.text import code, escape, escaped_except

MAX_ROWS = 40  # keeps a listing well under 50 blocks
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
PENDING_PAGE = 15  # 3 blocks each, plus the header and the "more" line: under 50 blocks


def help_message(command: str) -> dict[str, Any]:
    c = command
    lines = [
        f"`{c} request [registry]` — ask for a token (opens a form)",
        f"`{c} list [registry]` — your tokens; approvers see all of a registry's tokens",
        f"`{c} show <registry> <token>` — one token's scopes, status and expiry",
        f"`{c} disable <registry> <token>` / `{c} enable <registry> <token>`",
        f"`{c} delete <registry> <token>` — asks you to confirm",
        f"`{c} extend <registry> <token>` — ask for a later expiry (approvers decide)",
        f"`{c} rotate <registry> <token>` — ask for a successor with the same scopes",
        f"`{c} pending [page]` — requests waiting for your decision",
        f"`{c} breakglass [registry]` — emergency token, self-approved, alerted and reviewed",
        f"`{c} cancel <token name>` — withdraw your pending or approved request",
        f"`{c} audit [registry [token]]` — the latest audit entries (approvers)",
        f"`{c} review <registry>` — start an access review of its tokens (approvers)",
        f"`{c} adopt <registry> <token>` — give a token an owner (approvers)",
        f"`{c} help` — this message",
    ]
    examples = f"Examples: `{c} request prod-registry`, `{c} show prod-registry ci-push`"
    blocks = [
        header("regbot: IONOS registry tokens"),
        section("\n".join(lines)),
        context(examples + ". Registries and tokens go by name or id."),
    ]
    verbs = [
        "request", "list", "show", "disable", "enable", "delete", "extend", "rotate",
        "pending", "breakglass", "cancel", "audit", "review", "adopt", "help",
    ]  # fmt: skip
    return message("regbot commands: " + ", ".join(verbs), blocks)


def usage_message(problem: str, usage: str) -> dict[str, Any]:
    text = f"{escape(problem)} Usage: {code(usage)}"
    return message(text, [section(f":warning: {text}")])


def error_message(words: str, *, people: tuple[str, ...] = ()) -> dict[str, Any]:
    """A refusal or failure in words. The words may carry what the person typed or what
    IONOS answered, so all of it is escaped; only regbot's own mentions of `people` stay."""
    text = escaped_except(words, people)
    return message(text, [section(f":warning: {text}")])


def info_message(text: str) -> dict[str, Any]:
    """regbot's own words, with no user text in them (those get a builder of their own)."""
    return message(text, [section(text)])


def _token_line(view: TokenView, now: datetime, *, with_registry: bool) -> str:
    token = view.token
    status = token.status.value if token.status else "unknown"
    scopes = (
        "; ".join(f"{code(s.name)}: {escape(', '.join(s.actions))}" for s in token.scopes)
        or "no scopes"
    )
    where = f" on *{escape(view.registry.name)}*" if with_registry else ""
    owner = f" — owner {mention(view.owner)}" if view.owner else " — owner unknown"
    return (
        f"*{code(token.name)}*{where} · {escape(status)} · "
        f"expires {expiry_words(token.expiry_date, now)}"
        f"\n{scopes}{owner}"
    )


def token_listing(listing: TokenListing, now: datetime) -> dict[str, Any]:
    mine = listing.registry is None
    title = f"Tokens on {listing.registry.name}" if listing.registry else "Your tokens"
    blocks: list[Block] = [header(title)]
    if not listing.tokens:
        blocks.append(
            section("No tokens." if not mine else "You have no tokens made through regbot.")
        )
    for view in listing.tokens[:MAX_ROWS]:
        blocks.append(section(_token_line(view, now, with_registry=mine)))
    notes = []
    hidden = len(listing.tokens) - MAX_ROWS
    if hidden > 0 or listing.truncated:
        shown = min(len(listing.tokens), MAX_ROWS)
        more = f"…and {hidden} more" if hidden > 0 else "…and more"
        if listing.truncated:
            more += " (the registry has more than regbot lists at once)"
        notes.append(f"Showing the first {shown}; {more}. `show <registry> <token>` finds any.")
    if listing.gone:
        notes.append(f"{listing.gone} of your tokens have expired and are gone.")
    if notes:
        blocks.append(context(" ".join(notes)))
    return message(f"{escape(title)}: {len(listing.tokens)}", blocks)


def token_detail(view: TokenView, now: datetime) -> dict[str, Any]:
    return message(
        f"Token {escape(view.token.name)} on {escape(view.registry.name)}",
        [section(_token_line(view, now, with_registry=True))],
    )


def token_changed(view: TokenView, verb: str) -> dict[str, Any]:
    text = f"Token {code(view.token.name)} on *{escape(view.registry.name)}* {verb}."
    return message(text, [section(f":white_check_mark: {text}")])


def confirm_delete(view: TokenView) -> dict[str, Any]:
    value = f"{view.registry.id}:{view.token.id}"
    text = (
        f"Delete token {code(view.token.name)} on *{escape(view.registry.name)}*? "
        "Anything using it stops working at once."
    )
    return message(
        text,
        [
            section(f":warning: {text}"),
            actions(
                "delete_confirm",
                [
                    button("Delete it", ActionId.CONFIRM_DELETE, value, style="danger"),
                    button("Keep it", ActionId.CANCEL_DELETE, value),
                ],
            ),
        ],
    )


def audit_listing(
    entries: Sequence[AuditRecord], title: str, registry_names: dict[str, str] | None = None
) -> dict[str, Any]:
    """Newest first; registries shown by name where known (entries carry ids)."""
    names = registry_names or {}
    blocks: list[Block] = [header(title)]
    if not entries:
        blocks.append(section("No audit entries yet."))
    for entry in entries[:MAX_ROWS]:
        registry = names.get(entry.registry, entry.registry)
        what = escape(" ".join(x for x in (registry, entry.token) if x))
        detail = f" — {escape(entry.detail)}" if entry.detail else ""
        actor = mention(entry.actor) if _USER_ID.match(entry.actor) else escape(entry.actor)
        action, outcome = escape(entry.action), escape(entry.outcome)
        line = f"{when(entry.at)} · {actor} · *{action}* ({outcome}) {what}{detail}"
        blocks.append(context(line))
    return message(f"{escape(title)}: {len(entries)} entries", blocks)


def pending_listing(
    requests: list[TokenRequest], now: datetime, *, page: int = 1, command: str = "/regtoken"
) -> dict[str, Any]:
    """One page of the requests waiting for this approver, oldest first; every page says how
    many more there are and how to see them (nothing is dropped silently)."""
    pages = max(1, -(-len(requests) // PENDING_PAGE))
    page = min(max(page, 1), pages)
    first = (page - 1) * PENDING_PAGE
    shown = requests[first : first + PENDING_PAGE]
    title = "Waiting for your decision" + (f" (page {page} of {pages})" if pages > 1 else "")
    blocks: list[Block] = [header(title)]
    if not requests:
        blocks.append(section("Nothing is waiting for you."))
    for request in shown:
        blocks.append(
            section(
                f"{summary_text(request)} — {code(request.ask.token_name)}, "
                f"asked {when(request.created_at)}"
            )
        )
        blocks.append(
            actions(
                f"pending_{request.id}",
                [
                    button("Review", ActionId.REVIEW, request.id, style="primary"),
                    button("Approve", ActionId.APPROVE, request.id),
                    button("Deny", ActionId.DENY, request.id, style="danger"),
                ],
            )
        )
        blocks.append(divider())
    rest = len(requests) - first - len(shown)
    if rest > 0:
        more = f"`{command} pending {page + 1}` shows the next ones"
        blocks.append(context(f"…and {rest} more waiting: {more}."))
    return message(f"{len(requests)} requests wait for your decision", blocks)
