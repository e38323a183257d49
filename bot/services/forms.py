"""Turning what people typed into a valid `TokenAsk`, with words for each wrong field.

Field names here (``registry``, ``token_name``, ``scope_repo_0``, ``scope_actions_0``,
``expiry``, ``reason``, ``comment``) are the domain's; the Slack adapter maps them onto its
block ids so that each error shows next to its field in the modal.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.errors import InvalidForm, WiderThanRequested
from bot.domain.models import (
    REPOSITORY_RE,
    TOKEN_NAME_RE,
    Action,
    RepoScope,
    RequestKind,
    RequestState,
    TokenAsk,
    TokenRequest,
)
from bot.policy.model import RegistryPolicy

MIN_LEAD = timedelta(hours=1)
MAX_SCOPES = 10


class ScopeRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    repository: str = ""
    actions: list[str] = Field(default_factory=list)


class RequestForm(BaseModel):
    """The request modal's values, as typed (nothing validated yet)."""

    model_config = ConfigDict(frozen=True)

    registry_id: str | None = None
    token_name: str = ""
    scopes: list[ScopeRow] = Field(default_factory=list)
    expiry_date: date | None = None
    reason: str = ""


class ReviewForm(BaseModel):
    """The approval modal's values: the decision, a comment, and the narrowing."""

    model_config = ConfigDict(frozen=True)

    decision: str = ""  # "approve" | "deny"
    comment: str = ""
    expiry_date: date | None = None
    scope_actions: list[list[str]] = Field(default_factory=list)  # by original scope index


def expiry_from_date(day: date, now: datetime) -> datetime:
    """A picked day means that day at the current time of day (UTC), to the minute."""
    at = now.astimezone(UTC).time().replace(second=0, microsecond=0)
    return datetime.combine(day, time(at.hour, at.minute), tzinfo=UTC)


def default_expiry_date(now: datetime, days: int) -> date:
    return (now + timedelta(days=days)).date()


def suggest_token_name(user_name: str, registry_name: str, today: date) -> str:
    base = re.sub(r"[^A-Za-z0-9-]+", "-", f"{user_name}-{registry_name}").strip("-")
    base = re.sub(r"^[^A-Za-z]+", "", base)[:48].rstrip("-") or "token"
    return f"{base}-{today:%Y%m%d}"


def check_expiry(day: date | None, now: datetime, max_days: int) -> tuple[datetime | None, str]:
    if day is None:
        return None, "Pick an expiry date."
    expiry = expiry_from_date(day, now)
    if expiry < now + MIN_LEAD:
        return None, "The expiry must be at least 1 hour ahead: pick a later date."
    latest = now + timedelta(days=max_days)
    if expiry > latest + timedelta(minutes=1):
        return None, f"At most {max_days} days ahead (until {latest:%Y-%m-%d})."
    return expiry, ""


def _actions(raw: list[str]) -> frozenset[Action] | None:
    try:
        return frozenset(Action(a) for a in raw)
    except ValueError:
        return None


def pending_request(
    requester: str,
    ask: TokenAsk,
    rules: RegistryPolicy,
    now: datetime,
    *,
    kind: RequestKind = RequestKind.NEW,
    target_token_id: str | None = None,
    target_token_name: str | None = None,
) -> TokenRequest:
    """A new pending request for `ask`, its quorum and approval channel from the registry's
    rules (a person's request, a break-glass one, an extension or rotation)."""
    return TokenRequest(
        id=uuid.uuid4().hex,
        kind=kind,
        state=RequestState.PENDING,
        requester=requester,
        ask=ask,
        created_at=now,
        quorum=rules.quorum_for(ask.scopes),
        approval_channel=rules.approval_channel,
        target_token_id=target_token_id,
        target_token_name=target_token_name,
    )


def build_ask(
    form: RequestForm,
    *,
    registry_id: str,
    registry_name: str,
    now: datetime,
    max_expiry_days: int,
) -> TokenAsk:
    """Validate every field; raise `InvalidForm` naming each wrong one."""
    errors: dict[str, str] = {}
    name = form.token_name.strip()
    if not TOKEN_NAME_RE.match(name):
        errors["token_name"] = (
            "2-63 letters, digits or dashes; start with a letter, end with a letter or digit."
        )
    scopes: list[RepoScope] = []
    rows = [row for row in form.scopes if row.repository.strip() or row.actions]
    if not rows:
        errors["scope_repo_0"] = "Name at least one repository (or * for all)."
    for index, row in enumerate(form.scopes[:MAX_SCOPES]):
        repo = row.repository.strip()
        if not repo and not row.actions:
            continue
        actions = _actions(row.actions)
        if not repo:
            errors[f"scope_repo_{index}"] = "Name the repository (or * for all)."
        elif not REPOSITORY_RE.match(repo):
            errors[f"scope_repo_{index}"] = (
                "Lowercase letters, digits and . _ - / (a trailing * matches a prefix), or *."
            )
        if not actions:
            errors[f"scope_actions_{index}"] = "Pick at least one of pull, push, delete."
        if repo and actions and f"scope_repo_{index}" not in errors:
            scopes.append(RepoScope(repository=repo, actions=actions))
    expiry, problem = check_expiry(form.expiry_date, now, max_expiry_days)
    if problem:
        errors["expiry"] = problem
    reason = form.reason.strip()
    if not reason:
        errors["reason"] = "Say why you need this token."
    elif len(reason) > 1000:
        errors["reason"] = "Keep the reason under 1000 characters."
    if errors:
        raise InvalidForm(errors)
    return TokenAsk(
        registry_id=registry_id,
        registry_name=registry_name,
        token_name=name,
        scopes=scopes,
        expiry=expiry,
        reason=reason,
    )


def narrow_ask(original: TokenAsk, review: ReviewForm, *, now: datetime) -> tuple[TokenAsk, str]:
    """The ask after the approver's narrowing, and a sentence saying what changed.

    Never wider: a later expiry or an action or repository the requester did not ask for
    is refused (`WiderThanRequested`), whatever the submission claims.
    """
    changes: list[str] = []
    expiry = original.expiry
    if review.expiry_date is not None:
        candidate = expiry_from_date(review.expiry_date, now)
        if original.expiry is not None and candidate.date() > original.expiry.date():
            raise WiderThanRequested("The expiry can only be made earlier.", field="expiry")
        if original.expiry is None or candidate.date() < original.expiry.date():
            if candidate < now + MIN_LEAD:
                raise InvalidForm({"expiry": "At least 1 hour ahead: pick a later date."})
            expiry = candidate
            changes.append(f"expiry moved to {candidate:%Y-%m-%d}")
    scopes = list(original.scopes)
    if review.scope_actions:
        if len(review.scope_actions) != len(original.scopes):
            raise WiderThanRequested("The repositories do not match the request.", field="scopes")
        scopes = []
        pairs = zip(original.scopes, review.scope_actions, strict=True)
        for index, (scope, raw) in enumerate(pairs):
            kept = _actions(raw)
            if kept is None or not kept <= scope.actions:
                raise WiderThanRequested(
                    "Approvers can remove actions, not add them.", field=f"scope_actions_{index}"
                )
            removed = scope.actions - kept
            if not kept:
                changes.append(f"`{scope.repository}` removed")
                continue
            if removed:
                names = ", ".join(sorted(a.value for a in removed))
                changes.append(f"{names} removed from `{scope.repository}`")
            scopes.append(RepoScope(repository=scope.repository, actions=kept))
        if not scopes:
            raise InvalidForm({"scope_actions_0": "Leave at least one action, or deny instead."})
    narrowed = original.model_copy(update={"expiry": expiry, "scopes": scopes})
    return narrowed, "; ".join(changes)
