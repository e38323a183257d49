"""Messages of the expiry sweep: the owner's reminder, the unowned-token report, the digest.

Pure builders: domain values in, ``chat.postMessage`` keyword arguments out. Every lifecycle
button carries ``"<registry_id>:<token_id>"`` (`TokenRef.button_value`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.reminders import (
    BreakGlassEntry,
    Digest,
    DigestCategory,
    DigestEntry,
    DigestSection,
    Reminder,
    TokenRef,
)
from bot.domain.reviews import OverdueReview
from bot.policy.model import format_duration
from bot.services.words import expiry_words, mention, relative, when
from handlers.ids import ActionId, BlockId
from handlers.views.blocks import Block, actions, button, context, header, message, plain, section
from handlers.views.owners import assign_select
from handlers.views.text import code, escape


def _confirm(title: str, text: str, verb: str) -> Block:
    return {
        "title": plain(title, 100),
        "text": plain(text, 300),
        "confirm": plain(verb, 30),
        "deny": plain("Cancel", 30),
        "style": "danger",
    }


def _disable(ref: TokenRef) -> Block:
    return button(
        "Disable now",
        ActionId.DISABLE_NOW,
        ref.button_value,
        style="danger",
        confirm=_confirm(
            "Disable the token?",
            f"{ref.token_name} on {ref.registry_name} stops working at once.",
            "Disable",
        ),
    )


def _delete(ref: TokenRef) -> Block:
    return button(
        "Delete",
        ActionId.DELETE_NOW,
        ref.button_value,
        style="danger",
        confirm=_confirm(
            "Delete the token?",
            f"{ref.token_name} on {ref.registry_name} is deleted for good.",
            "Delete",
        ),
    )


def _scopes(reminder: Reminder) -> str:
    lines = [
        f"{code(s.repository)}: {escape(', '.join(s.actions)) or 'no actions'}"
        for s in reminder.scopes
    ]
    return "\n".join(lines) or "no scopes"


def _fields(reminder: Reminder, now: datetime) -> list[str]:
    ref = reminder.token
    return [
        f"*Token*\n{code(ref.token_name)}",
        f"*Registry*\n{escape(ref.registry_name)}",
        f"*Scopes*\n{_scopes(reminder)}",
        f"*Expires*\n{expiry_words(reminder.expiry, now)}",
    ]


def reminder_message(reminder: Reminder, now: datetime) -> dict[str, Any]:
    """The owner's DM: what expires when, and Extend / Rotate / Disable now."""
    ref = reminder.token
    words = expiry_words(reminder.expiry, now)
    name, registry = escape(ref.token_name), escape(ref.registry_name)
    text = f"Your registry token {name} on {registry} expires {words}."
    blocks: list[Block] = [
        header(f"Token {ref.token_name} expires {relative(reminder.expiry, now)}"),
        section(
            f"Your token *{code(ref.token_name)}* on *{registry}* expires *{words}*. "
            "IONOS deletes it then, and whatever uses it stops working.",
            fields=_fields(reminder, now),
        ),
        actions(
            BlockId.REMINDER_ACTIONS,
            [
                button("Extend", ActionId.EXTEND, ref.button_value, style="primary"),
                button("Rotate", ActionId.ROTATE, ref.button_value),
                _disable(ref),
            ],
        ),
        context(
            f"Reminder {format_duration(reminder.threshold)} before expiry. "
            "Extend and Rotate go through approval like a new request."
        ),
    ]
    return message(text, blocks)


def unowned_message(reminder: Reminder, now: datetime) -> dict[str, Any]:
    """To the approval channel: a token nobody is on record for is about to expire."""
    ref = reminder.token
    words = expiry_words(reminder.expiry, now)
    gone = reminder.unreachable_owner
    who = f"its owner {mention(gone)} cannot be reached" if gone else "no known owner"
    why = (
        f"Its owner {mention(gone)} can no longer be reached in Slack"
        if gone
        else "It was not made through regbot"
    )
    name, registry = escape(ref.token_name), escape(ref.registry_name)
    text = f"Token {name} on {registry} ({who}) expires {words}."
    blocks: list[Block] = [
        header(f"Unowned token {ref.token_name} expires {relative(reminder.expiry, now)}"),
        section(
            f"*{code(ref.token_name)}* on *{registry}*: {why}, so there is nobody to "
            f"remind. It expires *{words}*.",
            fields=_fields(reminder, now),
        ),
        actions(
            BlockId.REMINDER_ACTIONS,
            [button("Extend", ActionId.EXTEND, ref.button_value, style="primary"), _disable(ref)],
        ),
        context(f"Reminder {format_duration(reminder.threshold)} before expiry."),
    ]
    return message(text, blocks)


_TITLES = {
    DigestCategory.NO_EXPIRY: "Tokens that never expire",
    DigestCategory.BEYOND_MAX: "Tokens expiring later than the policy allows",
    DigestCategory.NO_OWNER: "Tokens not made through regbot (no owner)",
    DigestCategory.LONG_DISABLED: "Tokens disabled for more than {days} days",
}


def _entry_action(category: DigestCategory, ref: TokenRef) -> Block:
    match category:
        case DigestCategory.NO_EXPIRY:
            return button("Set an expiry", ActionId.EXTEND, ref.button_value)
        case DigestCategory.BEYOND_MAX:
            return button("Change expiry", ActionId.EXTEND, ref.button_value)
        case DigestCategory.NO_OWNER:
            return assign_select()  # the row's block id names the token
        case DigestCategory.LONG_DISABLED:
            return _delete(ref)


def _entry_text(entry: DigestEntry, now: datetime) -> str:
    ref = entry.token
    line = (
        f"{code(ref.token_name)} on *{escape(ref.registry_name)}* · "
        f"expires {expiry_words(entry.expiry, now)}"
    )
    if entry.disabled_since is not None:
        line += f" · disabled since {when(entry.disabled_since)}"
    return line


def _digest_section(digest: Digest, part: DigestSection, now: datetime) -> list[Block]:
    title = _TITLES[part.category].format(days=digest.disabled_days)
    blocks: list[Block] = [section(f"*{title}* ({part.total})")]
    for entry in part.entries:
        ref = entry.token
        owned = part.category is DigestCategory.NO_OWNER
        row = section(
            _entry_text(entry, now),
            block_id=BlockId.assign_owner(ref.registry_id, ref.token_id) if owned else None,
        )
        row["accessory"] = _entry_action(part.category, ref)
        blocks.append(row)
    if part.total > len(part.entries):
        blocks.append(context(f"…and {part.total - len(part.entries)} more."))
    return blocks


def break_glass_rows(entries: list[BreakGlassEntry]) -> list[Block]:
    rows = [
        f"`{escape(e.token_name)}` on *{escape(e.registry_name)}* by {mention(e.requester)}"
        f" · opened {when(e.opened_at)}"
        for e in entries
    ]
    title = "*Break-glass tokens not reviewed yet* (acknowledge or revoke them above)"
    return [section(title + "\n" + "\n".join(rows))]


def digest_message(digest: Digest, now: datetime) -> dict[str, Any]:
    """One message per approval channel and day; at most `digest.limit` rows per category."""
    parts = [digest.section(c) for c in DigestCategory]
    counts = ", ".join(f"{p.total} {p.category.value.replace('_', ' ')}" for p in parts if p.total)
    blocks: list[Block] = [header(f"Registry tokens to look at — {digest.day.isoformat()}")]
    if digest.break_glass:
        blocks.extend(break_glass_rows(digest.break_glass[: digest.limit]))
        counts = ", ".join(filter(None, [f"{len(digest.break_glass)} break-glass", counts]))
    for part in parts:
        if part.total:
            blocks.extend(_digest_section(digest, part, now))
    if digest.overdue_reviews:
        blocks.append(_overdue_reviews(digest.overdue_reviews))
        waiting = sum(r.total for r in digest.overdue_reviews)
        counts = ", ".join(filter(None, [counts, f"{waiting} not reviewed"]))
    blocks.append(context("Daily digest of the registries this channel approves for."))
    return message(f"Daily registry token digest: {counts or 'nothing to report'}.", blocks)


def _overdue_reviews(reviews: list[OverdueReview]) -> Block:
    """One block (a digest keeps within 50): each overdue campaign and its first tokens."""
    lines = ["*Tokens not reviewed in a closed access review* (decide them with its button)"]
    for review in reviews[:5]:
        names = ", ".join(f"`{escape(n)}`" for n in review.token_names)
        more = (
            f" …and {review.total - len(review.token_names)} more"
            if review.total > len(review.token_names)
            else ""
        )
        lines.append(f"• *{review.registry_name}* (due {when(review.due_at)}): {names}{more}")
    if len(reviews) > 5:
        lines.append(f"…and {len(reviews) - 5} more reviews.")
    return section("\n".join(lines))
