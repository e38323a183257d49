"""Self-service rules (``auto_approve``): a request that fits a rule approves itself.

The first rule, in the policy's order, that fits the request approves it: the request asks for
no action beyond the rule's ``actions``, expires at most ``max_days`` ahead, every scope lies
within the rule's ``repositories`` (when given) and the requester is among its ``requesters``
(users, or members of user groups, when given). A rule with ``per_user_per_day`` approves that
many of a person's requests a UTC day; the count and the creation are one atomic step in Redis
(`bot.store.rules`), so racing submissions cannot pass the cap: past it, the request is created
pending and goes to the approvers as usual.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.models import RepoScope, RequestKind, TokenRequest
from bot.policy.model import AutoApproveRule, Policy
from bot.services.approvers import ApproverDirectory
from bot.services.ports import DecidedRepository

SYSTEM_ACTOR = "regbot"
EXPIRY_SLACK = timedelta(minutes=1)  # a picked day keeps the time of day, to the minute


def misfit(
    rule: AutoApproveRule, scopes: list[RepoScope], expiry: datetime | None, now: datetime
) -> str | None:
    """Why `rule` does not fit these scopes and expiry (requesters aside), or None if it does."""
    allowed = set(rule.actions)
    extra = sorted({a.value for s in scopes for a in s.actions if a not in allowed})
    if extra:
        return f"asks for {', '.join(extra)}, beyond {'/'.join(a.value for a in rule.actions)}"
    if expiry is None or expiry > now + rule.max_age + EXPIRY_SLACK:
        return f"expires more than {rule.max_days} days ahead"
    outside = [s.repository for s in scopes if not rule.covers_repository(s.repository)]
    if outside:
        return f"{', '.join(outside)} is outside {', '.join(rule.repositories or ())}"
    return None


class SelfService:
    def __init__(
        self, *, store: DecidedRepository, approvers: ApproverDirectory, policy: Policy
    ) -> None:
        self._store = store
        self._approvers = approvers
        self._policy = policy

    async def first_fit(self, request: TokenRequest) -> AutoApproveRule | None:
        if request.kind is not RequestKind.NEW:
            return None  # extensions and rotations always go to a person
        rules = self._policy.for_registry(request.ask.registry_name)
        for rule in rules.auto_approve:
            if misfit(rule, request.ask.scopes, request.ask.expiry, request.created_at):
                continue
            if rule.requesters and not await self._approvers.is_among(
                request.requester, rule.requesters, about=request.ask.registry_name
            ):
                continue
            return rule
        return None

    async def record(
        self, request: TokenRequest, *, nonce: str, ttl: timedelta, max_open: int | None = None
    ) -> tuple[TokenRequest, bool] | None:
        """Store the request approved by the first rule that fits it (pending when that rule
        is at its daily cap); None when no rule fits (the caller stores it as usual)."""
        rule = await self.first_fit(request)
        if rule is None:
            return None
        made = await self._store.create_decided(
            request,
            nonce=nonce,
            ttl=ttl,
            decided_by=SYSTEM_ACTOR,
            detail=f"auto-approved by rule {rule.name}",
            rule=rule.name,
            cap=rule.per_user_per_day or 0,
            max_open=max_open,  # counted only when the cap sends it to the approvers
        )
        return made.request, made.created
