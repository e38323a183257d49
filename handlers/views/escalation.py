"""The request put to the backup approvers when nobody decided it in time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.models import RequestState, TokenRequest
from handlers.views.approval import approval_message
from handlers.views.blocks import message, section
from handlers.views.rules import approver_mention


def escalation_message(
    request: TokenRequest, backups: Sequence[str], now: datetime
) -> dict[str, Any]:
    """The usual message and buttons after a line that mentions the backup approvers (once
    decided, it shows the outcome like the original)."""
    body = approval_message(request, now)
    who = ", ".join(approver_mention(a) for a in backups) or "Backup approvers"
    if request.state is RequestState.PENDING:
        lead = f":rotating_light: *Escalated:* nobody decided this in time. {who}: please decide."
    else:
        lead = ":rotating_light: *Escalated* request (decided: see below)."
    return message(f"Escalated: {body['text']}", [section(lead), *body["blocks"]])
