"""How the policy rules show on requests: who decided (a person, a self-service rule, the
requester in a break-glass), and the escalation to backup approvers."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.models import TokenRequest
from bot.services.words import mention, when
from handlers.views.text import escape


def decided_by_words(request: TokenRequest, fallback: str = "an approver") -> str:
    if request.auto_rule:
        return f"rule `{escape(request.auto_rule)}` (self-service, no approver needed)"
    if request.break_glass:
        return f"{mention(request.requester)} themselves (break-glass)"
    return mention(request.decided_by) if request.decided_by else fallback


def approver_mention(approver: str) -> str:
    return f"<!subteam^{approver}>" if approver.startswith("S") else mention(approver)


def escalated_line(request: TokenRequest, backups: Sequence[str]) -> str:
    at = f" at {when(request.escalated_at)}" if request.escalated_at else ""
    who = ", ".join(approver_mention(a) for a in backups) or "the backup approvers"
    return f":rotating_light: Escalated{at}: {who} may decide too."
