"""Slack payloads into pydantic models: the only place that knows Slack's state shapes."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.domain.errors import InvalidInput
from bot.services.forms import MAX_SCOPES, RequestForm, ReviewForm, ScopeRow
from handlers.ids import ActionId, BlockId

State = dict[str, dict[str, dict[str, Any]]]
M = TypeVar("M", bound=BaseModel)


def _element(state: State, block_id: str) -> dict[str, Any]:
    block = state.get(block_id) or {}
    element = block.get(ActionId.INPUT) or block.get(ActionId.REGISTRY) or {}
    return element if isinstance(element, dict) else {}


def _text(state: State, block_id: str) -> str:
    value = _element(state, block_id).get("value")
    return value if isinstance(value, str) else ""


def _selected(state: State, block_id: str) -> str | None:
    chosen = _element(state, block_id).get("selected_option")
    if isinstance(chosen, dict) and isinstance(chosen.get("value"), str):
        return str(chosen["value"])
    return None


def _checked(state: State, block_id: str) -> list[str]:
    chosen = _element(state, block_id).get("selected_options") or []
    if not isinstance(chosen, list):
        return []
    return [str(o["value"]) for o in chosen if isinstance(o, dict) and "value" in o]


def _date(state: State, block_id: str) -> date | None:
    raw = _element(state, block_id).get("selected_date")
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def view_state(view: dict[str, Any]) -> State:
    values = (view.get("state") or {}).get("values") or {}
    return values if isinstance(values, dict) else {}


def request_form(view: dict[str, Any]) -> RequestForm:
    state = view_state(view)
    rows = [
        ScopeRow(
            repository=_text(state, BlockId.scope_repo(i)),
            actions=_checked(state, BlockId.scope_actions(i)),
        )
        for i in range(MAX_SCOPES)
        if BlockId.scope_repo(i) in state
    ]
    return RequestForm(
        registry_id=_selected(state, BlockId.REGISTRY),
        token_name=_text(state, BlockId.TOKEN_NAME),
        scopes=rows,
        expiry_date=_date(state, BlockId.EXPIRY),
        reason=_text(state, BlockId.REASON),
    )


def review_form(view: dict[str, Any], scope_count: int) -> ReviewForm:
    state = view_state(view)
    present = [BlockId.scope_actions(i) in state for i in range(scope_count)]
    scope_actions = (
        [_checked(state, BlockId.scope_actions(i)) for i in range(scope_count)]
        if all(present) and scope_count
        else []
    )
    return ReviewForm(
        decision=_selected(state, BlockId.DECISION) or "",
        comment=_text(state, BlockId.COMMENT),
        expiry_date=_date(state, BlockId.EXPIRY),
        scope_actions=scope_actions,
    )


def split_args(text: str) -> list[str]:
    return [part for part in (text or "").split() if part]


def private_metadata(view: dict[str, Any], model: type[M]) -> M:
    try:
        return model.model_validate_json(view.get("private_metadata") or "")
    except ValidationError:
        raise InvalidInput("This form is out of date: close it and start again.") from None
