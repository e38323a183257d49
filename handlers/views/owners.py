"""The DM a token's owner gets when an approver changed their token."""

from __future__ import annotations

from typing import Any

from bot.services.ports import OwnerChange
from bot.services.words import mention
from handlers.views.blocks import context, message, section
from handlers.views.text import code, escape, escaped_except


def owner_change_message(change: OwnerChange) -> dict[str, Any]:
    who = mention(change.actor) if change.actor[:1] in ("U", "W") else escape(change.actor)
    text = (
        f"{who} {escape(change.what)} your token {code(change.token_name)} on "
        f"*{escape(change.registry_name)}*."
    )
    if change.note:
        text += f" {escaped_except(change.note, [change.actor])}"  # regbot's own mention
    return message(
        text,
        [
            section(f":information_source: {text}"),
            context("Approvers can do this to any token of their registries; it is audited."),
        ],
    )
