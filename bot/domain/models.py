"""Token requests and their life: a request is asked for, decided on, collected.

```
pending ──approve (quorum reached)──► approved ──collect──► collecting ──► collected
   │                                     │  ▲                   │
   ├──deny──► denied                     │  └──delivery failed──┘ (token deleted again)
   ├──ttl───► expired                    ├──claim ttl──► expired
   └──cancel► cancelled ◄──cancel────────┘  (only the requester withdraws)
```

Kinds: NEW asks for a token; EXTEND (a later expiry for ``target_token_id``) is applied by
PATCH as soon as it is approved (approved → collecting → collected, back to approved when
IONOS refuses); ROTATE is collected like NEW, after which its old token is disabled, then
deleted (`bot.services.rotation`).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

TOKEN_NAME_RE = re.compile(r"^[A-Za-z][-A-Za-z0-9]{0,61}[A-Za-z0-9]$")
REPOSITORY_RE = re.compile(r"^(\*|[a-z0-9]+(?:[._/-][a-z0-9]+)*(?:/\*|\*)?)$")


class Action(StrEnum):
    PULL = "pull"
    PUSH = "push"
    DELETE = "delete"

    @property
    def power(self) -> int:
        return _POWER[self]


_POWER = {Action.PULL: 1, Action.PUSH: 2, Action.DELETE: 3}


class RequestKind(StrEnum):
    NEW = "new"
    EXTEND = "extend"
    ROTATE = "rotate"


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    COLLECTING = "collecting"
    COLLECTED = "collected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = {RequestState.DENIED, RequestState.COLLECTED, RequestState.EXPIRED, RequestState.CANCELLED}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RepoScope(Frozen):
    """Access to one repository (or ``*``, all of them) with a set of actions."""

    repository: str = Field(min_length=1, max_length=255)
    actions: frozenset[Action] = Field(min_length=1)

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not REPOSITORY_RE.match(value):
            raise ValueError(
                f"{value!r} is not a repository name (lowercase, digits, . _ - /) or *"
            )
        return value

    def covers(self, other: RepoScope) -> bool:
        """True when this scope grants at least what `other` asks for."""
        same_repo = self.repository in ("*", other.repository)
        return same_repo and other.actions <= self.actions

    def sorted_actions(self) -> list[Action]:
        return sorted(self.actions, key=lambda a: a.power)


def strongest_action(scopes: list[RepoScope]) -> Action:
    return max((a for s in scopes for a in s.actions), key=lambda a: a.power)


class TokenAsk(Frozen):
    """What a requester asks for: a token on a registry with scopes and an expiry."""

    registry_id: str
    registry_name: str
    token_name: str
    scopes: list[RepoScope] = Field(min_length=1, max_length=20)
    expiry: datetime | None
    reason: str = Field(min_length=1, max_length=1000)

    @field_validator("token_name")
    @classmethod
    def _token_name(cls, value: str) -> str:
        if not TOKEN_NAME_RE.match(value):
            raise ValueError(
                "a token name is 2-63 letters, digits or dashes, starting with a letter "
                "and ending with a letter or digit"
            )
        return value


class Approval(Frozen):
    user_id: str
    at: datetime


class TokenRequest(Frozen):
    """A request as stored: the ask, who asked, its state and who decided."""

    id: str
    kind: RequestKind = RequestKind.NEW
    state: RequestState
    requester: str
    ask: TokenAsk
    created_at: datetime
    quorum: int = Field(default=1, ge=1)
    approvals: list[Approval] = Field(default_factory=list)
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None
    narrowed: str | None = None
    token_id: str | None = None
    target_token_id: str | None = None  # extend, rotate: the existing token
    target_token_name: str | None = None
    approval_channel: str | None = None
    approval_ts: str | None = None
    requester_channel: str | None = None
    # policy rules (bot.policy.rules): the self-service rule that approved it; a break-glass
    # request (self-approved) and its post-hoc review; the escalation to backup approvers
    auto_rule: str | None = None
    break_glass: bool = False
    review: str | None = None  # break-glass: "acknowledged" or "revoked"
    reviewed_by: str | None = None
    escalated_at: datetime | None = None
    escalation_channel: str | None = None
    escalation_ts: str | None = None
    cancelled_at: datetime | None = None  # withdrawn by the requester
    version: int = Field(default=0, ge=0)  # bumped by every narrowing of the ask
    create_attempted_at: datetime | None = None  # the first collect click (before IONOS)
