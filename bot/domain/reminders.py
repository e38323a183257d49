"""What the expiry sweep tells people: a reminder about one token, a daily digest per channel.

Plain values (no I/O, nothing from the rest of the project): the sweep builds them from the
IONOS tokens and the ownership records, the Slack adapter renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.reviews import OverdueReview


@dataclass(frozen=True)
class Access:
    """One scope of a token as IONOS has it: repositories (``*`` = all) and actions."""

    repository: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class TokenRef:
    registry_id: str
    registry_name: str
    token_id: str
    token_name: str

    @property
    def button_value(self) -> str:
        """``"<registry_id>:<token_id>"``: the value of every lifecycle button."""
        return f"{self.registry_id}:{self.token_id}"


@dataclass(frozen=True)
class Reminder:
    """A token crossed `threshold` before its `expiry`; `owner` None = not made through regbot."""

    token: TokenRef
    scopes: tuple[Access, ...]
    expiry: datetime
    threshold: timedelta
    owner: str | None
    unreachable_owner: str | None = None  # the owner Slack cannot DM any more (left, deactivated)


class OwnerUnreachable(Exception):
    """Slack will never take a DM to this owner (e.g. the account is deactivated): their
    reminders go to the approval channel instead."""

    def __init__(self, owner: str, reason: str) -> None:
        self.owner = owner
        self.reason = reason
        super().__init__(f"{owner}: {reason}")


class DigestCategory(StrEnum):
    NO_EXPIRY = "no_expiry"
    BEYOND_MAX = "beyond_max"
    NO_OWNER = "no_owner"
    LONG_DISABLED = "long_disabled"


@dataclass(frozen=True)
class DigestEntry:
    token: TokenRef
    expiry: datetime | None
    disabled_since: datetime | None = None


@dataclass
class DigestSection:
    """The first `limit` entries of a category, and how many there were in all."""

    category: DigestCategory
    limit: int
    entries: list[DigestEntry] = field(default_factory=list)
    total: int = 0

    def add(self, entry: DigestEntry) -> None:
        self.total += 1
        if len(self.entries) < self.limit:
            self.entries.append(entry)


@dataclass(frozen=True)
class BreakGlassEntry:
    """A break-glass request nobody has acknowledged or revoked yet."""

    request_id: str
    registry_name: str
    token_name: str
    requester: str
    opened_at: datetime


@dataclass
class Digest:
    """One approval channel's daily digest; memory is bounded by ``limit`` per category."""

    channel: str
    day: date
    disabled_days: int = 30
    limit: int = 10
    sections: dict[DigestCategory, DigestSection] = field(default_factory=dict)
    break_glass: list[BreakGlassEntry] = field(default_factory=list)  # until acknowledged
    overdue_reviews: list[OverdueReview] = field(default_factory=list)  # access reviews

    def add(self, category: DigestCategory, entry: DigestEntry) -> None:
        section = self.sections.get(category)
        if section is None:
            section = self.sections[category] = DigestSection(category, self.limit)
        section.add(entry)

    def section(self, category: DigestCategory) -> DigestSection:
        return self.sections.get(category) or DigestSection(category, self.limit)

    @property
    def empty(self) -> bool:
        return (
            not self.break_glass
            and not self.overdue_reviews
            and not any(s.total for s in self.sections.values())
        )
