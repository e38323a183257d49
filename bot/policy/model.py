"""The policy file: who approves which registry, where they are asked, and the time limits.

The composition root reads it once (path from ``REGBOT_POLICY``) with `Policy.load`. A wrong
file stops start-up with a `PolicyError` whose message is one line naming the field, e.g.
``policy.yml: registries.prod-registry.quorum.push: must be >= 1``.

``defaults`` holds approvers, approval channel, expiry limits and quorum; an entry under
``registries`` (keyed by registry name) overrides any of them for that registry. Lists are
replaced, not merged; ``quorum`` is merged action by action. `Policy.for_registry` returns the
effective, merged `RegistryPolicy`. See ``policy.example.yml`` for every field and its default.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from bot.domain.errors import UnknownRegistry
from bot.domain.models import Action, RepoScope, strongest_action
from bot.policy.fields import (
    GROUP_ID_RE,
    USER_ID_RE,
    Amount,
    Approvers,
    ChannelId,
    Count,
    RegistryName,
    Thresholds,
    format_duration,
    parse_duration,
)
from bot.policy.file import StrictLoader, flat, one_line, yaml_problem
from bot.policy.rules import AutoApproveRule, AutoApproveRules, BreakGlass, Escalation

__all__ = [
    "AutoApproveRule",
    "BreakGlass",
    "Escalation",
    "Policy",
    "PolicyError",
    "Quorum",
    "RegistryPolicy",
    "ReviewSchedule",
    "format_duration",
    "parse_duration",
]


class PolicyError(Exception):
    """The policy file is missing or wrong; the message is one line meant for the operator."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# quorum and the effective policy of one registry ----------------------------------------
class Quorum(_Section):
    """How many distinct approvals a request needs, by the most powerful action it asks for."""

    pull: Count = 1
    push: Count = 1
    delete: Count = 1

    def for_action(self, action: Action) -> int:
        return {Action.PULL: self.pull, Action.PUSH: self.push, Action.DELETE: self.delete}[action]


class QuorumOverride(_Section):
    pull: Count | None = None
    push: Count | None = None
    delete: Count | None = None


DEFAULT_REVIEW_DUE_DAYS = 14  # a campaign started by hand, with no `reviews` in the policy


class ReviewSchedule(_Section):
    """``reviews: {every_days, due_days}``: a review campaign every so many days, due after
    ``due_days``. Absent = no scheduled reviews (approvers may still start one)."""

    every_days: Count
    due_days: Count = DEFAULT_REVIEW_DUE_DAYS

    @model_validator(mode="after")
    def _due_within_period(self) -> ReviewSchedule:
        if self.due_days > self.every_days:
            raise ValueError("due_days must be <= every_days")
        return self

    @property
    def every(self) -> timedelta:
        return timedelta(days=self.every_days)


class RegistryPolicy(_Section):
    """The effective policy of one registry: defaults merged with the registry's overrides."""

    name: str
    approvers: Approvers = Field(min_length=1)
    approval_channel: ChannelId
    max_expiry_days: Count
    default_expiry_days: Count
    quorum: Quorum = Quorum()
    auto_approve: AutoApproveRules = ()
    break_glass: BreakGlass | None = None
    escalation: Escalation | None = None
    max_open_requests_per_user: Count = 5
    reviews: ReviewSchedule | None = None

    @model_validator(mode="after")
    def _default_within_max(self) -> RegistryPolicy:
        if self.default_expiry_days > self.max_expiry_days:
            raise ValueError("default_expiry_days must be <= max_expiry_days")
        return self

    def quorum_for(self, scopes: list[RepoScope]) -> int:
        """Approvals needed for these scopes: the quorum of the strongest action among them."""
        if not scopes:
            raise ValueError("a request has at least one scope")
        return self.quorum.for_action(strongest_action(scopes))

    @property
    def approver_users(self) -> tuple[str, ...]:
        return tuple(a for a in self.approvers if USER_ID_RE.match(a))

    @property
    def approver_groups(self) -> tuple[str, ...]:
        return tuple(a for a in self.approvers if GROUP_ID_RE.match(a))

    @property
    def backup_users(self) -> tuple[str, ...]:
        backups = self.escalation.approvers if self.escalation else ()
        return tuple(a for a in backups if USER_ID_RE.match(a))

    @property
    def backup_groups(self) -> tuple[str, ...]:
        backups = self.escalation.approvers if self.escalation else ()
        return tuple(a for a in backups if GROUP_ID_RE.match(a))

    @property
    def max_expiry(self) -> timedelta:
        return timedelta(days=self.max_expiry_days)

    @property
    def default_expiry(self) -> timedelta:
        return timedelta(days=self.default_expiry_days)

    @property
    def review_due(self) -> timedelta:
        """How long a review campaign of this registry stays open."""
        days = self.reviews.due_days if self.reviews else DEFAULT_REVIEW_DUE_DAYS
        return timedelta(days=days)


# the file's sections --------------------------------------------------------------------
class RegistryDefaults(_Section):
    approvers: Approvers = ()
    approval_channel: ChannelId | None = None
    max_expiry_days: Count = 90
    default_expiry_days: Count = 30
    quorum: Quorum = Quorum()
    auto_approve: AutoApproveRules = ()
    break_glass: BreakGlass | None = None
    escalation: Escalation | None = None
    # requests one person may have waiting for approval on a registry at once
    max_open_requests_per_user: Count = 5
    reviews: ReviewSchedule | None = None


class RegistryOverride(_Section):
    """One registry's entry: every field left out (None) is taken from ``defaults``."""

    approvers: Approvers | None = None
    approval_channel: ChannelId | None = None
    max_expiry_days: Count | None = None
    default_expiry_days: Count | None = None
    quorum: QuorumOverride | None = None
    auto_approve: AutoApproveRules | None = None  # [] drops the defaults' rules
    break_glass: BreakGlass | Literal[False] | None = None  # false: none for this registry
    escalation: Escalation | Literal[False] | None = None  # false: none for this registry
    max_open_requests_per_user: Count | None = None
    reviews: ReviewSchedule | None = None

    @model_validator(mode="before")
    @classmethod
    def _listed_without_overrides(cls, data: Any) -> Any:
        return {} if data is None else data  # "prod-registry:" alone: listed, all defaults


DEFAULT_THRESHOLDS = tuple(parse_duration(t) for t in ("14d", "3d", "1d", "1h"))


class Reminders(_Section):
    thresholds: Thresholds = DEFAULT_THRESHOLDS  # longest first; [] turns reminders off
    sweep_minutes: Count = 15
    nudge_after_hours: Count = 4  # doubles after each nudge
    rotate_grace_hours: Amount = 24
    digest_hour_utc: Annotated[int, Field(strict=True, ge=0, le=23)] = 8
    disabled_report_days: Count = 30

    @property
    def threshold_labels(self) -> tuple[str, ...]:
        return tuple(format_duration(t) for t in self.thresholds)

    @property
    def sweep_interval(self) -> timedelta:
        return timedelta(minutes=self.sweep_minutes)

    @property
    def nudge_after(self) -> timedelta:
        return timedelta(hours=self.nudge_after_hours)

    @property
    def rotate_grace(self) -> timedelta:
        return timedelta(hours=self.rotate_grace_hours)


class Policy(_Section):
    defaults: RegistryDefaults = RegistryDefaults()
    registries: dict[RegistryName, RegistryOverride] = Field(default_factory=dict)
    claim_ttl_hours: Count = 24
    request_ttl_hours: Count = 72
    reminders: Reminders = Reminders()
    usergroup_cache_seconds: Amount = 60  # 0: ask Slack on every check
    audit_retention_days: Count = 365
    _effective: dict[str, RegistryPolicy] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _every_registry_is_decidable(self) -> Policy:
        d = self.defaults
        if d.default_expiry_days > d.max_expiry_days:
            raise ValueError(
                f"defaults.default_expiry_days: {d.default_expiry_days} is more than "
                f"max_expiry_days {d.max_expiry_days}"
            )
        if not self.registries:
            for name in ("approvers", "approval_channel"):
                if not getattr(d, name):
                    raise ValueError(f"defaults.{name}: is required when no registries are listed")
        for name, override in self.registries.items():
            where = f"registries.{name}"
            merged = _merge(d, override)
            if not merged["approvers"]:
                raise ValueError(f"{where}.approvers: none here nor in defaults.approvers")
            if merged["approval_channel"] is None:
                raise ValueError(f"{where}.approval_channel: not set here nor in defaults")
            if merged["default_expiry_days"] > merged["max_expiry_days"]:
                inherited = "" if override.default_expiry_days else " (from defaults)"
                raise ValueError(
                    f"{where}.default_expiry_days: {merged['default_expiry_days']}{inherited}"
                    f" is more than max_expiry_days {merged['max_expiry_days']}"
                )
        escalations: list[tuple[str, Escalation | Literal[False] | None]]
        escalations = [("defaults", d.escalation)]
        escalations += [(f"registries.{n}", o.escalation) for n, o in self.registries.items()]
        for where, escalation in escalations:
            if escalation and escalation.after >= timedelta(hours=self.request_ttl_hours):
                raise ValueError(
                    f"{where}.escalation.after: {format_duration(escalation.after)} is not "
                    f"shorter than request_ttl_hours {self.request_ttl_hours} (it would never fire)"
                )
        return self

    @property
    def claim_ttl(self) -> timedelta:
        return timedelta(hours=self.claim_ttl_hours)

    @property
    def request_ttl(self) -> timedelta:
        return timedelta(hours=self.request_ttl_hours)

    @property
    def usergroup_cache_ttl(self) -> timedelta:
        return timedelta(seconds=self.usergroup_cache_seconds)

    @property
    def audit_retention(self) -> timedelta:
        return timedelta(days=self.audit_retention_days)

    def governs(self, registry_name: str) -> bool:
        """True when requests for this registry have approvers (listed, or complete defaults)."""
        d = self.defaults
        return registry_name in self.registries or bool(d.approvers and d.approval_channel)

    def for_registry(self, registry_name: str) -> RegistryPolicy:
        """The effective policy; a registry not listed gets the defaults.

        Raises `UnknownRegistry` when it is not listed and the defaults name no approvers or
        no approval channel (a policy may choose to govern only the registries it lists).
        """
        if not self.governs(registry_name):
            raise UnknownRegistry(
                f"No approvers are configured for registry {registry_name}; ask the bot's admins."
            )
        known = self._effective.get(registry_name)
        if known is None:  # the policy is frozen: merge each registry once
            override = self.registries.get(registry_name, RegistryOverride())
            known = RegistryPolicy(name=registry_name, **_merge(self.defaults, override))
            self._effective[registry_name] = known
        return known

    def to_mapping(self) -> dict[str, Any]:
        """Plain data that `from_mapping` reads back into an equal policy (YAML-safe)."""
        return self.model_dump(mode="json", exclude_none=True)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "policy") -> Policy:
        if not isinstance(data, Mapping):
            raise PolicyError(f"{source}: the top level must be a mapping of keys to values")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise PolicyError(one_line(source, exc)) from None

    @classmethod
    def load(cls, path: Path) -> Policy:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PolicyError(
                f"{source}: no such file (REGBOT_POLICY names the policy file)"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{source}: cannot read the file ({flat(str(exc))})") from None
        try:
            data = yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise PolicyError(f"{source}: {yaml_problem(exc)}") from None
        return cls.from_mapping({} if data is None else data, source=source)


def _merge(defaults: RegistryDefaults, override: RegistryOverride) -> dict[str, Any]:
    """The registry's own values where it has them, the defaults' elsewhere."""
    whole = {"auto_approve", "break_glass", "escalation"}  # replaced whole, never merged
    merged = defaults.model_dump(exclude={"quorum", *whole})
    merged.update(override.model_dump(exclude={"quorum", *whole}, exclude_none=True))
    for name in whole:
        own = getattr(override, name)
        merged[name] = getattr(defaults, name) if own is None else own or None
    if merged["auto_approve"] is None:
        merged["auto_approve"] = ()
    own_quorum = override.quorum.model_dump(exclude_none=True) if override.quorum else {}
    merged["quorum"] = defaults.quorum.model_copy(update=own_quorum)
    return merged
