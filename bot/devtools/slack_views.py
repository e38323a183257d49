"""The views part of the fake Slack: ``views.open|push|update|publish`` with ids and hashes.

`FakeSlack` (in `bot.devtools.slack`) owns one `FakeViews` and routes the methods to it.
Like Slack, a ``trigger_id`` can open or push one view only (``exchanged_trigger_id``),
``views.update`` with a stale ``hash`` fails with ``hash_conflict``, and a modal whose title,
submit or close text is over 24 characters, or that has more than 100 blocks, is refused; so is
a view over 250 kB (``view_too_large``). ``views.publish`` takes Home views only, one per user
(``home_of``).
"""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

from bot.devtools.slack_messages import SlackApiFailure

_TEXT_LIMIT = 24
_MAX_BLOCKS = 100
_MAX_BYTES = 250_000  # a bigger view is refused with view_too_large
_METADATA_MAX = 3000
_KEPT = (
    "type",
    "title",
    "blocks",
    "close",
    "submit",
    "private_metadata",
    "callback_id",
    "external_id",
    "clear_on_close",
    "notify_on_close",
)


class FakeViews:
    def __init__(self, *, team_id: str, bot_id: str, app_id: str = "AFAKEAPP") -> None:
        self._team_id = team_id
        self._bot_id = bot_id
        self._app_id = app_id
        self._views: dict[str, dict[str, Any]] = {}
        self._used_triggers: set[str] = set()
        self._counter = itertools.count(1)

    def get(self, view_id: str) -> dict[str, Any]:
        return copy.deepcopy(self._views[view_id])

    def latest(self) -> dict[str, Any]:
        """The view opened, pushed, updated or published last."""
        return copy.deepcopy(max(self._views.values(), key=lambda v: v["hash"]))

    def open(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._take_trigger(payload)
        view = self._build(payload, view_id=None)
        view["root_view_id"] = view["id"]
        return self._store(view)

    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        # The stack a push lands on is known only to Slack; the fake does not track it.
        self._take_trigger(payload)
        return self._store(self._build(payload, view_id=None))

    def update(self, payload: dict[str, Any]) -> dict[str, Any]:
        current = self._find(payload)
        self._check_hash(payload, current)
        view = self._build(payload, view_id=current["id"])
        view["root_view_id"] = current["root_view_id"]
        view["previous_view_id"] = current["previous_view_id"]
        view["external_id"] = view["external_id"] or current["external_id"]
        return self._store(view)

    def publish(self, payload: dict[str, Any]) -> dict[str, Any]:
        user_id = str(payload.get("user_id") or "")
        if not user_id:
            raise _failure("invalid_arguments")
        view_id = "VH" + user_id
        if view_id in self._views:
            self._check_hash(payload, self._views[view_id])
        view = self._build(payload, view_id=view_id)
        if view["type"] != "home":
            raise _failure("invalid_arguments")
        return self._store(view)

    # -- helpers -------------------------------------------------------------------------------

    def _take_trigger(self, payload: dict[str, Any]) -> None:
        trigger_id = str(payload.get("trigger_id") or "")
        if not trigger_id:
            raise _failure("invalid_trigger_id")
        if trigger_id in self._used_triggers:
            raise _failure("exchanged_trigger_id")
        self._used_triggers.add(trigger_id)

    def _find(self, payload: dict[str, Any]) -> dict[str, Any]:
        if view_id := payload.get("view_id"):
            found = self._views.get(str(view_id))
        elif external_id := payload.get("external_id"):
            found = next((v for v in self._views.values() if v["external_id"] == external_id), None)
        else:
            raise _failure("invalid_arguments")
        if found is None:
            raise _failure("not_found")
        return found

    @staticmethod
    def _check_hash(payload: dict[str, Any], current: dict[str, Any]) -> None:
        if (wanted := payload.get("hash")) and wanted != current["hash"]:
            raise _failure("hash_conflict")

    def _build(self, payload: dict[str, Any], *, view_id: str | None) -> dict[str, Any]:
        given = payload.get("view")
        if not isinstance(given, dict) or "type" not in given:
            raise _failure("invalid_arguments")
        _check_limits(given)
        external_id = given.get("external_id") or ""
        if external_id and any(
            v["external_id"] == external_id and v["id"] != view_id for v in self._views.values()
        ):
            raise _failure("duplicate_external_id")
        number = next(self._counter)
        view: dict[str, Any] = {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
        }
        view |= copy.deepcopy({k: given[k] for k in _KEPT if k in given})
        view |= {
            "id": view_id or f"V{number:09d}",
            "team_id": self._team_id,
            "state": {"values": {}},
            "hash": f"{1_700_000_000 + number}.{number:08x}",
            "root_view_id": None,
            "previous_view_id": None,
            "app_id": self._app_id,
            "app_installed_team_id": self._team_id,
            "bot_id": self._bot_id,
        }
        return view

    def _store(self, view: dict[str, Any]) -> dict[str, Any]:
        self._views[view["id"]] = view
        return {"ok": True, "view": copy.deepcopy(view)}


def _check_limits(view: dict[str, Any]) -> None:
    problems = [
        f"{key} must be 1-{_TEXT_LIMIT} characters"
        for key in ("title", "submit", "close")
        if key in view and not 0 < len(str((view[key] or {}).get("text", ""))) <= _TEXT_LIMIT
    ]
    if view["type"] == "modal" and "title" not in view:
        problems.append("a modal needs a title")
    if len(view.get("blocks") or []) > _MAX_BLOCKS:
        problems.append(f"no more than {_MAX_BLOCKS} blocks")
    if len(str(view.get("private_metadata") or "")) > _METADATA_MAX:
        problems.append(f"private_metadata is over {_METADATA_MAX} characters")
    if problems:
        raise _failure("invalid_arguments", problems)
    if len(json.dumps(view).encode()) > _MAX_BYTES:
        raise _failure("view_too_large")


def _failure(error: str, messages: list[str] | None = None) -> SlackApiFailure:
    return SlackApiFailure(error, messages)
