"""Block Kit checks for tests: what Slack would refuse, caught before Slack sees it.

Two layers: slack_sdk's models parse every block (``Block.parse``) and view (``View(**view)``)
and run their validators through ``to_dict()``; then the limits in
/work/shared/reference/slack-platform.md §2.3 are checked explicitly over the JSON, because the
SDK checks some of them only. Every problem found is reported at once in one AssertionError.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 4000
VIEW_BYTES = 250_000
# what slack_sdk's models raise on input they cannot build or validate
_SDK_ERRORS = (SlackObjectFormationError, TypeError, KeyError, ValueError, AttributeError)
# slack-platform.md §2.3, in characters unless the name says otherwise
_LIMITS = {
    "modal_text": 24,
    "section_text": 3000,
    "section_field": 2000,
    "section_fields": 10,
    "header": 150,
    "button_text": 75,
    "button_value": 2000,
    "url": 3000,
    "id": 255,
    "private_metadata": 3000,
    "options": 100,
    "option_text": 75,
    "option_value": 150,
    "placeholder": 150,
    "actions_elements": 25,
    "context_elements": 10,
}


def assert_valid_message(blocks: list[dict[str, Any]], text: str) -> None:
    """`blocks` and fallback `text` as they would go to ``chat.postMessage``/``chat.update``."""
    problems = list(_sdk_problems(blocks))
    if not text.strip():
        problems.append("message text (the notification fallback) is empty")
    if len(text) > MESSAGE_TEXT:
        problems.append(f"message text is {len(text)} chars, over {MESSAGE_TEXT}")
    if len(blocks) > MESSAGE_BLOCKS:
        problems.append(f"{len(blocks)} blocks, over {MESSAGE_BLOCKS} per message")
    problems += _limit_problems(blocks)
    _report(problems)


def assert_valid_view(view: dict[str, Any]) -> None:
    """A modal or Home tab as it would go to ``views.open|push|update|publish``."""
    problems: list[str] = []
    try:
        View(**view).to_dict()
    except _SDK_ERRORS as exc:
        problems.append(f"slack_sdk View: {exc}")
    blocks = view.get("blocks") or []
    problems += _sdk_problems(blocks)
    if view.get("type") not in ("modal", "home"):
        problems.append(f"view type {view.get('type')!r} is neither modal nor home")
    if view.get("type") == "modal":
        if "title" not in view:
            problems.append("a modal needs a title")
        for key in ("title", "submit", "close"):
            label = (view.get(key) or {}).get("text")
            if label is not None and len(label) > _LIMITS["modal_text"]:
                problems.append(f"modal {key} {label!r} is over {_LIMITS['modal_text']} chars")
        if any(b.get("type") == "input" for b in blocks) and not view.get("submit"):
            problems.append("a modal with input blocks needs a submit button")
    if len(blocks) > VIEW_BLOCKS:
        problems.append(f"{len(blocks)} blocks, over {VIEW_BLOCKS} per view")
    for key, limit in (("callback_id", 255), ("external_id", 255), ("private_metadata", 3000)):
        if len(str(view.get(key) or "")) > limit:
            problems.append(f"{key} is over {limit} chars")
    if len(json.dumps(view).encode()) > VIEW_BYTES:
        problems.append(f"view payload is over {VIEW_BYTES} bytes")
    problems += _limit_problems(blocks)
    _report(problems)


def _report(problems: list[str]) -> None:
    assert not problems, "invalid Block Kit:\n  " + "\n  ".join(problems)


def _sdk_problems(blocks: list[dict[str, Any]]) -> Iterator[str]:
    for index, block in enumerate(blocks):
        try:
            parsed = Block.parse(block)
            if parsed is None:
                yield f"block {index}: unknown block {block.get('type')!r}"
                continue
            rendered = parsed.to_dict()
        except _SDK_ERRORS as exc:
            yield f"block {index}: slack_sdk: {exc}"
            continue
        given = {k for k, v in block.items() if v not in (None, "", [], {})}
        unknown = sorted(given - set(rendered))
        if unknown:
            yield f"block {index}: fields slack_sdk does not know: {unknown}"


def _limit_problems(blocks: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    block_ids = Counter(b["block_id"] for b in blocks if "block_id" in b)
    problems += [f"block_id {b!r} is used {n} times" for b, n in block_ids.items() if n > 1]
    for index, block in enumerate(blocks):
        where = f"block {index} ({block.get('type')})"
        problems += [f"{where}: {p}" for p in _block_problems(block)]
    return problems


def _block_problems(block: dict[str, Any]) -> Iterator[str]:
    kind = block.get("type")
    yield from _too_long("block_id", block.get("block_id"), _LIMITS["id"])
    if kind == "section":
        yield from _too_long("text", _text(block.get("text")), _LIMITS["section_text"])
        fields = block.get("fields") or []
        if len(fields) > _LIMITS["section_fields"]:
            yield f"{len(fields)} fields, over {_LIMITS['section_fields']}"
        for field in fields:
            yield from _too_long("field", _text(field), _LIMITS["section_field"])
    if kind == "header":
        yield from _too_long("header", _text(block.get("text")), _LIMITS["header"])
    if kind in ("actions", "context"):
        limit = _LIMITS[f"{kind}_elements"]
        if len(block.get("elements") or []) > limit:
            yield f"{len(block['elements'])} elements, over {limit}"
    action_ids = Counter(e["action_id"] for e in _elements(block) if "action_id" in e)
    yield from (f"action_id {a!r} is used {n} times" for a, n in action_ids.items() if n > 1)
    for element in _elements(block):
        yield from _element_problems(element)


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(block.get("elements") or [])
    found += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
    return [e for e in found if isinstance(e, dict)]


def _element_problems(element: dict[str, Any]) -> Iterator[str]:
    yield from _too_long("action_id", element.get("action_id"), _LIMITS["id"])
    yield from _too_long("placeholder", _text(element.get("placeholder")), _LIMITS["placeholder"])
    if element.get("type") == "button":
        yield from _too_long("button text", _text(element.get("text")), _LIMITS["button_text"])
        yield from _too_long("button value", element.get("value"), _LIMITS["button_value"])
        yield from _too_long("button url", element.get("url"), _LIMITS["url"])
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    if len(element.get("options") or []) > _LIMITS["options"]:
        yield f"{len(element['options'])} options, over {_LIMITS['options']}"
    if len(element.get("option_groups") or []) > _LIMITS["options"]:
        yield f"{len(element['option_groups'])} option groups, over {_LIMITS['options']}"
    chosen = list(element.get("initial_options") or [])
    if isinstance(element.get("initial_option"), dict):
        chosen.append(element["initial_option"])
    for option in options + chosen:
        yield from _too_long("option text", _text(option.get("text")), _LIMITS["option_text"])
        yield from _too_long("option value", option.get("value"), _LIMITS["option_value"])


def _text(obj: Any) -> str | None:
    return obj.get("text") if isinstance(obj, dict) else None


def _too_long(what: str, value: str | None, limit: int) -> Iterator[str]:
    if value is not None and len(value) > limit:
        yield f"{what} is {len(value)} chars, over {limit}: {value[:40]!r}..."
