"""Access reviews: a campaign per registry, a snapshot of its tokens, one decision per token.

Plain values (no I/O): the store keeps them in Redis, the services move them through their
steps, the Slack adapter renders them.

An item's life::

    pending ──claim──► deciding ──IONOS done──► keep | disable | delete   (once, atomically)
       ▲                  │
       └───IONOS failed───┘      pending/deciding ──token deleted meanwhile──► gone
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

SCHEDULER = "regbot"  # the actor of a campaign the policy started


class Decision(StrEnum):
    KEEP = "keep"
    DISABLE = "disable"
    DELETE = "delete"


class ItemState(StrEnum):
    PENDING = "pending"
    DECIDING = "deciding"  # a reviewer's decision is being applied at IONOS
    KEEP = "keep"
    DISABLE = "disable"
    DELETE = "delete"
    GONE = "gone"  # the token was deleted while the campaign ran

    @property
    def decided(self) -> bool:
        return self in (ItemState.KEEP, ItemState.DISABLE, ItemState.DELETE)


@dataclass(frozen=True)
class Campaign:
    id: str
    registry_id: str
    registry_name: str
    channel: str
    started_by: str  # a user id, or SCHEDULER
    started_at: datetime
    due_at: datetime
    open: bool
    total: int
    kept: int = 0
    disabled: int = 0
    deleted: int = 0
    gone: int = 0
    message_ts: str = ""

    @property
    def decided(self) -> int:
        return self.kept + self.disabled + self.deleted

    @property
    def not_reviewed(self) -> int:
        return max(0, self.total - self.decided - self.gone)

    @property
    def scheduled(self) -> bool:
        return self.started_by == SCHEDULER


@dataclass(frozen=True)
class ReviewItem:
    """One token as it was when the campaign started, and what became of it."""

    token_id: str
    token_name: str
    owner: str | None
    scopes: str  # "team/app: pull, push; team/db: pull"
    status: str  # enabled | disabled, at the start
    expiry: datetime | None
    last_reviewed: datetime | None  # before this campaign
    state: ItemState = ItemState.PENDING
    reviewer: str = ""
    note: str = ""
    decided_at: datetime | None = None


@dataclass(frozen=True)
class OverdueReview:
    """A campaign past its due date with tokens nobody reviewed (for the daily digest)."""

    campaign_id: str
    registry_name: str
    due_at: datetime
    token_names: tuple[str, ...]  # the first few
    total: int
