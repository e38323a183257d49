"""User text as data: escaped where it becomes mrkdwn, so that a reason or a comment cannot
mention people (``<!channel>``, ``<@U…>``) or make links (``<https://…|…>``)."""

from __future__ import annotations


def escape(text: str) -> str:
    """Slack's three control characters as entities (``&`` first, so nothing is doubled)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoted(text: str) -> str:
    """A block quote of escaped user text, every line quoted (a newline cannot end it)."""
    return "\n".join(f">{line}" for line in escape(text).splitlines() or [""])
