"""How values look in Redis: times, requests as flat hashes, script replies.

Times are ISO 8601 in UTC with a fixed width (``2026-11-26T12:00:00.000000+00:00``), so the
Lua scripts can compare two of them as strings. Sorted-set scores are epoch milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.models import Approval, TokenAsk, TokenRequest

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Optional TokenRequest fields stored as plain strings when set.
_OPTIONAL_TEXT = (
    "decided_by",
    "comment",
    "narrowed",
    "token_id",
    "target_token_id",
    "target_token_name",
    "approval_channel",
    "approval_ts",
    "requester_channel",
    "auto_rule",
    "review",
    "reviewed_by",
    "escalation_channel",
    "escalation_ts",
)


def to_iso(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("naive datetime: regbot stores aware UTC times only")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def from_iso(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_ms(when: datetime) -> int:
    return (when - _EPOCH) // timedelta(milliseconds=1)


def ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


def from_ms(ms: float) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def as_str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def pairs(flat: Sequence[Any]) -> dict[str, str]:
    """A Lua ``HGETALL`` reply (name, value, name, value, …) as a dict."""
    items = [as_str(v) for v in flat]
    return dict(zip(items[::2], items[1::2], strict=True))


def request_fields(request: TokenRequest, *, expires_at: datetime) -> dict[str, str]:
    fields = {
        "id": request.id,
        "kind": str(request.kind),
        "state": str(request.state),
        "requester": request.requester,
        "ask": request.ask.model_dump_json(),
        "registry_id": request.ask.registry_id,
        "created_at": to_iso(request.created_at),
        "quorum": str(request.quorum),
        "expires_at": to_iso(expires_at),
    }
    if request.decided_at is not None:
        fields["decided_at"] = to_iso(request.decided_at)
    if request.break_glass:
        fields["break_glass"] = "1"
    if request.escalated_at is not None:
        fields["escalated_at"] = to_iso(request.escalated_at)
    if request.cancelled_at is not None:
        fields["cancelled_at"] = to_iso(request.cancelled_at)
    for name in _OPTIONAL_TEXT:
        value = getattr(request, name)
        if value is not None:
            fields[name] = value
    return fields


def request_from_hash(fields: Mapping[str, str], approvals: Sequence[Any]) -> TokenRequest:
    """Rebuild a request from its hash and the approvals sorted set (member, score, …)."""
    flat = [as_str(v) for v in approvals]
    data: dict[str, Any] = {
        "id": fields["id"],
        "kind": fields.get("kind", "new"),
        "state": fields["state"],
        "requester": fields["requester"],
        "ask": TokenAsk.model_validate_json(fields["ask"]),
        "created_at": from_iso(fields["created_at"]),
        "quorum": int(fields.get("quorum", "1")),
        "approvals": [
            Approval(user_id=user, at=from_ms(float(score)))
            for user, score in zip(flat[::2], flat[1::2], strict=True)
        ],
        "decided_at": from_iso(fields["decided_at"]) if fields.get("decided_at") else None,
        "break_glass": fields.get("break_glass") == "1",
        "escalated_at": from_iso(fields["escalated_at"]) if fields.get("escalated_at") else None,
        "cancelled_at": from_iso(fields["cancelled_at"]) if fields.get("cancelled_at") else None,
        "version": int(fields.get("version") or "0"),
        "create_attempted_at": (
            from_iso(fields["create_attempted_at"]) if fields.get("create_attempted_at") else None
        ),
    }
    for name in _OPTIONAL_TEXT:
        data[name] = fields.get(name) or None
    return TokenRequest.model_validate(data)


def load_result(text: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(text)
    return result
