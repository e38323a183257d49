"""Escalation: a request still undecided ``escalation.after`` after it was made is put to the
registry's backup approvers (``escalation.approvers``), once.

Housekeeping calls `EscalationService.escalate_due` on every run; the transition is one Lua
script (`bot.store.rules`), so with several replicas sweeping exactly one escalates a request
and tells people: the backup approvers are asked with the usual buttons (in
``escalation.channel``, or in the approval channel mentioning them), the original message says
it was escalated, and the audit trail records it. From then on the backup approvers may decide
that request (`ApproverDirectory.may_decide`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from bot.domain.models import TokenRequest
from bot.policy.model import Policy
from bot.services.ports import (
    EscalationNotifier,
    Escalations,
    Notifier,
    RequestRepository,
)


class EscalationService:
    def __init__(
        self,
        *,
        requests: RequestRepository,
        escalations: Escalations,
        notifier: Notifier,
        escalation_notifier: EscalationNotifier,
        policy: Policy,
    ) -> None:
        self._requests = requests
        self._escalations = escalations
        self._notifier = notifier
        self._tell = escalation_notifier
        self._policy = policy

    async def escalate_due(self, pending: list[TokenRequest], now: datetime) -> int:
        """Escalate each request of `pending` that is due; returns how many this call did."""
        done = 0
        for request in pending:
            if not self._policy.governs(request.ask.registry_name):
                continue
            rules = self._policy.for_registry(request.ask.registry_name).escalation
            if rules is None or request.escalated_at is not None:
                continue
            if now < request.created_at + rules.after:
                continue
            result = await self._escalations.escalate(
                request,
                at=now,
                after=rules.after,
                to=", ".join(rules.approvers),
                op_id=uuid.uuid4().hex,
            )
            if not result.applied or result.request is None:
                continue  # another replica escalated it, or it was decided meanwhile
            escalated = result.request
            channel = rules.channel or escalated.approval_channel
            if channel:
                where, ts = await self._tell.post_escalation(escalated, channel, rules.approvers)
                await self._escalations.set_escalation_message(escalated.id, where, ts)
            await self._notifier.update_approval_message(escalated)
            done += 1
        return done
