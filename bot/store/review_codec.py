"""How review campaigns and their items look in Redis (`bot.store.reviews`).

An item is one JSON object per token (``review_item.lua`` decodes and re-encodes it); times are
`bot.store.codec` ISO strings, "" when absent; an owner is "" when nobody owns the token.
"""

from __future__ import annotations

import json
from typing import Any

from bot.domain.reviews import Campaign, ItemState, ReviewItem
from bot.store.codec import as_str, from_iso, to_iso


def item_json(item: ReviewItem) -> str:
    return json.dumps(
        {
            "token_id": item.token_id,
            "token_name": item.token_name,
            "owner": item.owner or "",
            "scopes": item.scopes,
            "status": item.status,
            "expiry": to_iso(item.expiry) if item.expiry else "",
            "last_reviewed": to_iso(item.last_reviewed) if item.last_reviewed else "",
            "state": str(item.state),
            "reviewer": item.reviewer,
            "note": item.note,
            "decided_at": to_iso(item.decided_at) if item.decided_at else "",
            "claimant": "",
            "claimed_at": "",
        }
    )


def item_from_json(raw: Any) -> ReviewItem:
    data = json.loads(as_str(raw))
    return ReviewItem(
        token_id=data["token_id"],
        token_name=data["token_name"],
        owner=data.get("owner") or None,
        scopes=data.get("scopes", ""),
        status=data.get("status", ""),
        expiry=from_iso(data["expiry"]) if data.get("expiry") else None,
        last_reviewed=from_iso(data["last_reviewed"]) if data.get("last_reviewed") else None,
        state=ItemState(data.get("state", "pending")),
        reviewer=data.get("reviewer", ""),
        note=data.get("note", ""),
        decided_at=from_iso(data["decided_at"]) if data.get("decided_at") else None,
    )


def campaign_from_hash(raw: dict[Any, Any]) -> Campaign | None:
    if not raw:
        return None
    f = {as_str(k): as_str(v) for k, v in raw.items()}
    return Campaign(
        id=f["id"],
        registry_id=f["registry_id"],
        registry_name=f["registry_name"],
        channel=f["channel"],
        started_by=f["started_by"],
        started_at=from_iso(f["started_at"]),
        due_at=from_iso(f["due_at"]),
        open=f.get("open") == "1",
        total=int(f.get("total", "0")),
        kept=int(f.get("kept", "0")),
        disabled=int(f.get("disabled", "0")),
        deleted=int(f.get("deleted", "0")),
        gone=int(f.get("gone", "0")),
        message_ts=f.get("message_ts", ""),
    )
