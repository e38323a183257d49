"""Counting Slack traffic: what kind of request, under a closed vocabulary (counted by
`handlers.request_setup.RequestSetup`, before any listener runs).

Labels come from closed vocabularies — the subcommands `/regtoken` knows, the ids in
`handlers.ids` — and anything else is counted as ``other``, so a user typing
`/regtoken <random words>` cannot grow the number of time series.
"""

from __future__ import annotations

from typing import Any, Protocol

from handlers.ids import ActionId, Callback
from handlers.listeners.commands import USAGE

OTHER = "other"
KNOWN_VERBS = frozenset({*USAGE, "help", "pending"})
_ACTIONS = frozenset(ActionId)
_CALLBACKS = frozenset(Callback)


class TrafficCounter(Protocol):
    def count_slack_request(self, kind: str, name: str) -> None: ...


def _known(value: Any, known: frozenset[str]) -> str:
    return value if isinstance(value, str) and value in known else OTHER


def classify(body: dict[str, Any]) -> tuple[str, str]:
    """(kind, name) of one Slack request body, as Bolt parsed it."""
    if "command" in body and "type" not in body:
        words = str(body.get("text") or "").split()
        return "command", _known(words[0].lower() if words else "help", KNOWN_VERBS)
    kind = body.get("type")
    if kind == "block_actions":
        action = (body.get("actions") or [{}])[0]
        return "action", _known(action.get("action_id"), _ACTIONS)
    if kind in ("view_submission", "view_closed"):
        view = body.get("view") or {}
        return ("view" if kind == "view_submission" else "view_closed"), _known(
            view.get("callback_id"), _CALLBACKS
        )
    if kind == "block_suggestion":
        return "options", _known(body.get("action_id"), _ACTIONS)
    if kind == "event_callback":
        # Slack sends only the event types the manifest subscribes to: a closed set too.
        return "event", str((body.get("event") or {}).get("type") or OTHER)
    return OTHER, OTHER
