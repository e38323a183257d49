"""The sweep's rules, as pure functions: which reminder is due, what goes in the digest.

**The threshold rule.** Thresholds come from policy, longest first (default 14d, 3d, 1d, 1h).
A token is *at* the tightest threshold its remaining time has crossed: with 2 hours left it is
at 1d (2h <= 1d, but 2h > 1h). The sweep sends the reminder of that threshold only, once per
(token, threshold, expiry). As time passes the token crosses the thresholds one by one, so its
owner gets one DM per threshold (14d, 3d, 1d, 1h); a token first seen late (made with a short
expiry, or the bot was down) gets only the tightest crossed threshold, never a burst of all the
ones it skipped. A new expiry (the token was extended) starts the ladder again. Disabled and
expired tokens get no reminders (IONOS deletes a token at its expiry).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.reminders import Access, DigestCategory, Reminder, TokenRef
from bot.ionos.models import Registry, Token, TokenStatus
from bot.policy.model import Policy


def due_threshold(
    expiry: datetime | None, now: datetime, thresholds: Sequence[timedelta]
) -> timedelta | None:
    """The tightest threshold crossed by a token expiring at `expiry`, or None."""
    if expiry is None:
        return None
    left = expiry - now
    if left <= timedelta(0):
        return None
    crossed = [t for t in thresholds if left <= t]
    return min(crossed) if crossed else None


def remindable(token: Token) -> bool:
    return token.status is not TokenStatus.DISABLED and token.expiry_date is not None


def token_ref(registry: Registry, token: Token) -> TokenRef:
    return TokenRef(registry.id, registry.name, token.id, token.name)


def reminder_for(
    registry: Registry, token: Token, threshold: timedelta, owner: str | None
) -> Reminder:
    if token.expiry_date is None:
        raise ValueError("a token without expiry gets no reminder")
    return Reminder(
        token=token_ref(registry, token),
        scopes=tuple(Access(s.name, tuple(s.actions)) for s in token.scopes),
        expiry=token.expiry_date,
        threshold=threshold,
        owner=owner,
    )


def digest_categories(
    token: Token,
    owner: str | None,
    now: datetime,
    *,
    max_expiry: timedelta,
    disabled_after: timedelta,
) -> list[DigestCategory]:
    """Why a token belongs in its approval channel's daily digest (empty: it does not)."""
    found: list[DigestCategory] = []
    expiry = token.expiry_date
    usable = token.status is not TokenStatus.DISABLED  # a disabled token is listed as such
    if usable and expiry is None:
        found.append(DigestCategory.NO_EXPIRY)
    elif usable and expiry is not None and expiry - now > max_expiry:
        found.append(DigestCategory.BEYOND_MAX)
    if owner is None:
        found.append(DigestCategory.NO_OWNER)
    since = disabled_since(token)
    if since is not None and now - since >= disabled_after:
        found.append(DigestCategory.LONG_DISABLED)
    return found


def disabled_since(token: Token) -> datetime | None:
    """When a disabled token was last changed (IONOS keeps no "disabled at"): the best proxy."""
    if token.status is not TokenStatus.DISABLED:
        return None
    meta = token.metadata
    if meta is None:
        return None
    return meta.last_modified_date or meta.created_date


def digest_channels(policy: Policy) -> set[str]:
    """Every approval channel the policy names for a registry it governs."""
    channels = {policy.for_registry(name).approval_channel for name in policy.registries}
    defaults = policy.defaults
    if defaults.approvers and defaults.approval_channel:
        channels.add(defaults.approval_channel)
    return channels
