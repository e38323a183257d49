"""Listings and answers to the slash command: help, tokens, one token, audit, pending."""

from __future__ import annotations

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

MAX_ROWS = 40  # keeps a listing well under 50 blocks


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
        f"`{c} pending` — requests waiting for your decision",
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
        "pending", "audit", "review", "adopt", "help",
    ]  # fmt: skip
    return message("regbot commands: " + ", ".join(verbs), blocks)


def usage_message(problem: str, usage: str) -> dict[str, Any]:
    text = f"{problem} Usage: `{usage}`"
    return message(text, [section(f":warning: {text}")])


def error_message(text: str) -> dict[str, Any]:
    return message(text, [section(f":warning: {text}")])


def info_message(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


def _token_line(view: TokenView, now: datetime, *, with_registry: bool) -> str:
    token = view.token
    status = token.status.value if token.status else "unknown"
    scopes = "; ".join(f"`{s.name}`: {', '.join(s.actions)}" for s in token.scopes) or "no scopes"
    where = f" on *{view.registry.name}*" if with_registry else ""
    owner = f" — owner {mention(view.owner)}" if view.owner else " — owner unknown"
    return (
        f"*`{token.name}`*{where} · {status} · expires {expiry_words(token.expiry_date, now)}"
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
    if len(listing.tokens) > MAX_ROWS or listing.truncated:
        notes.append(f"Showing the first {min(len(listing.tokens), MAX_ROWS)}.")
    if listing.gone:
        notes.append(f"{listing.gone} of your tokens have expired and are gone.")
    if notes:
        blocks.append(context(" ".join(notes)))
    return message(f"{title}: {len(listing.tokens)}", blocks)


def token_detail(view: TokenView, now: datetime) -> dict[str, Any]:
    return message(
        f"Token {view.token.name} on {view.registry.name}",
        [section(_token_line(view, now, with_registry=True))],
    )


def token_changed(view: TokenView, verb: str) -> dict[str, Any]:
    text = f"Token `{view.token.name}` on *{view.registry.name}* {verb}."
    return message(text, [section(f":white_check_mark: {text}")])


def confirm_delete(view: TokenView) -> dict[str, Any]:
    value = f"{view.registry.id}:{view.token.id}"
    text = (
        f"Delete token `{view.token.name}` on *{view.registry.name}*? "
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
        what = " ".join(x for x in (registry, entry.token) if x)
        detail = f" — {entry.detail}" if entry.detail else ""
        actor = mention(entry.actor) if entry.actor.startswith(("U", "W")) else entry.actor
        line = f"{when(entry.at)} · {actor} · *{entry.action}* ({entry.outcome}) {what}{detail}"
        blocks.append(context(line))
    return message(f"{title}: {len(entries)} entries", blocks)


def pending_listing(requests: list[TokenRequest], now: datetime) -> dict[str, Any]:
    blocks: list[Block] = [header("Waiting for your decision")]
    if not requests:
        blocks.append(section("Nothing is waiting for you."))
    for request in requests[:20]:
        blocks.append(
            section(
                f"{summary_text(request)} — `{request.ask.token_name}`, "
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
    return message(f"{len(requests)} requests wait for your decision", blocks[:50])
