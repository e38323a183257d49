"""What people see in Slack, as plain text: Block Kit rendered for a terminal transcript."""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

WIDTH = 92


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return ""


_BOLD = re.compile(r"(?<![\w*])\*(\S(?:[^*\n]*\S)?)\*(?![\w*])")


def _clean(text: str) -> str:
    """Slack mrkdwn to plain text: bold markers, code ticks and quotes go; a lone * stays."""
    text = _BOLD.sub(r"\1", text)
    for old, new in (("```", ""), ("`", ""), ("&gt;", ">"), ("&lt;", "<"), ("&amp;", "&")):
        text = text.replace(old, new)
    return text


def _element(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[ {_text(element.get('text'))} ]"
    if kind in ("static_select", "external_select"):
        return "[ select ▾ ]"
    return ""


def render_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(_text(block.get("text")).upper())
        elif kind == "section":
            if block.get("text"):
                lines.extend(_clean(_text(block["text"])).splitlines())
            for field in block.get("fields") or []:
                lines.append("  " + _clean(_text(field)).replace("\n", ": ", 1).replace("\n", "; "))
        elif kind == "context":
            lines.extend("  " + _clean(_text(e)) for e in block.get("elements") or [])
        elif kind == "actions":
            buttons = [_element(e) for e in block.get("elements") or []]
            lines.append("  " + "  ".join(b for b in buttons if b))
        elif kind == "input":
            lines.append(f"  {_text(block.get('label'))}: ____")
        elif kind == "divider":
            lines.append("  " + "-" * 20)
    return lines


def render_call(method: str, payload: dict[str, Any]) -> list[str]:
    """One Slack Web API call as the reader would see it."""
    blocks = payload.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if method.startswith("views."):
        view = payload.get("view") or {}
        if isinstance(view, str):
            view = json.loads(view)
        if view.get("type") == "home":
            return ["(Home tab)", *render_blocks(view.get("blocks") or [])]
        title = _text(view.get("title"))
        return [f"(modal) {title}", *render_blocks(view.get("blocks") or [])]
    if blocks:
        return render_blocks(blocks)
    return [_clean(str(payload.get("text", "")))]


def wrap(lines: list[str], indent: str = "    │ ") -> str:
    out: list[str] = []
    for line in lines:
        out.extend(
            textwrap.wrap(line, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]
        )
    return "\n".join(out)
