"""The policy's per-registry rules beyond approvers: self-service rules (``auto_approve``),
break-glass (``break_glass``) and escalation (``escalation``).

Each is a field of ``defaults`` and of ``registries.<name>``; a registry's value replaces the
defaults' whole (``auto_approve: []`` drops the defaults' rules; ``break_glass: false`` and
``escalation: false`` turn the defaults' off for that registry).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.domain.models import REPOSITORY_RE, Action
from bot.domain.patterns import covered_by_any
from bot.policy.fields import Approvers, ChannelId, Count, Duration

RULE_NAME_RE = re.compile(r"^[a-z0-9][-a-z0-9_]{0,62}$")


def _rule_name(value: str) -> str:
    if not RULE_NAME_RE.match(value):
        raise ValueError(f"{value!r} is not a rule name (1-63 lowercase letters, digits, - or _)")
    return value


def _repository_pattern(value: str) -> str:
    if not REPOSITORY_RE.match(value):
        raise ValueError(f"{value!r} is not a repository pattern like team/app, team/* or *")
    return value


RuleName = Annotated[str, AfterValidator(_rule_name)]
RepositoryPattern = Annotated[str, AfterValidator(_repository_pattern)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AutoApproveRule(_Section):
    """A request that fits approves itself: nothing beyond `actions`, an expiry at most
    `max_days` ahead, every scope within `repositories` (when given), a requester among
    `requesters` (when given), at most `per_user_per_day` a day and person (when given)."""

    name: RuleName
    actions: Annotated[tuple[Action, ...], Field(min_length=1)]
    max_days: Count
    repositories: Annotated[tuple[RepositoryPattern, ...], Field(min_length=1)] | None = None
    requesters: Annotated[Approvers, Field(min_length=1)] | None = None
    per_user_per_day: Count | None = None

    @property
    def max_age(self) -> timedelta:
        return timedelta(days=self.max_days)

    def covers_repository(self, repository: str) -> bool:
        return self.repositories is None or covered_by_any(self.repositories, repository)

    def summary(self) -> str:
        parts = [f"{'/'.join(a.value for a in self.actions)} up to {self.max_days}d"]
        if self.repositories:
            parts.append("on " + ", ".join(self.repositories))
        if self.requesters:
            parts.append("for " + ", ".join(self.requesters))
        if self.per_user_per_day:
            parts.append(f"{self.per_user_per_day}/user/day")
        return f"{self.name} ({' '.join(parts)})"


def _unique_names(rules: tuple[AutoApproveRule, ...]) -> tuple[AutoApproveRule, ...]:
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise ValueError(f"the rule name {rule.name!r} is used twice")
        seen.add(rule.name)
    return rules


AutoApproveRules = Annotated[tuple[AutoApproveRule, ...], AfterValidator(_unique_names)]


class BreakGlass(_Section):
    """``/regtoken breakglass``: a self-approved token for emergencies, loud and reviewed."""

    max_hours: Count = 24
    notify_channel: ChannelId

    @property
    def max_age(self) -> timedelta:
        return timedelta(hours=self.max_hours)


class Escalation(_Section):
    """A request undecided after `after` is put to `approvers` too (once)."""

    after: Duration
    approvers: Annotated[Approvers, Field(min_length=1)]
    channel: ChannelId | None = None
