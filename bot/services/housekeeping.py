"""Housekeeping of requests and rotations, run periodically by the scheduler.

`HousekeepingService.housekeeping(now)`:

1. pending requests older than ``request_ttl`` expire; approved ones not collected within
   ``claim_ttl`` of their approval expire — the requester is told, the approval message updated;
2. the approvers of a pending request are nudged (a thread reply under the approval message)
   ``nudge_after`` after it was asked, then after twice that delay, then four times, …;
3. rotations whose grace period has passed take their next step (`RotationService`);
4. pending requests undecided ``escalation.after`` after they were made are put to the backup
   approvers, once (`EscalationService`).

Every step is an atomic transition in Redis (audited there), so replicas running housekeeping
at the same time do each thing once: the one whose transition applied tells people. A failure
with one request is logged and the run goes on with the next.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.models import TokenRequest
from bot.policy.model import Policy
from bot.services.escalation import EscalationService
from bot.services.ports import (
    LifecycleNotifier,
    LifecycleRepository,
    Notifier,
    RequesterNotice,
    RequestRepository,
)
from bot.services.rotation import RotationService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HousekeepingReport:
    expired_pending: int = 0
    expired_unclaimed: int = 0
    nudged: int = 0
    rotation_steps: int = 0
    failures: int = 0
    escalated: int = 0


class HousekeepingService:
    def __init__(
        self,
        *,
        requests: RequestRepository,
        lifecycle: LifecycleRepository,
        notifier: Notifier,
        lifecycle_notifier: LifecycleNotifier,
        rotation: RotationService,
        policy: Policy,
        escalation: EscalationService | None = None,
    ) -> None:
        self._escalation = escalation  # undecided requests put to backup approvers, once
        self._requests = requests
        self._lifecycle = lifecycle
        self._notifier = notifier
        self._tell = lifecycle_notifier
        self._rotation = rotation
        self._policy = policy

    async def housekeeping(self, now: datetime) -> HousekeepingReport:
        policy = self._policy
        run = _Run()
        old_pending = await self._lifecycle.pending_ids(created_before=now - policy.request_ttl)
        why = f"not decided within {policy.request_ttl_hours} hours"
        expired_pending = sum(
            [await run.guarded(self._expire(i, now, why), i) for i in old_pending]
        )
        unclaimed = await self._lifecycle.approved_ids(decided_before=now - policy.claim_ttl)
        why = f"approved but not collected within {policy.claim_ttl_hours} hours"
        expired_unclaimed = sum(
            [await run.guarded(self._expire(i, now, why), i) for i in unclaimed]
        )
        nudged = 0
        pending = await self._requests.pending()
        for request in pending:
            nudged += await run.guarded(self._nudge(request, now), request.id)
        escalated = 0
        if self._escalation is not None:
            escalated = await run.guarded(self._escalation.escalate_due(pending, now), "escalate")
        steps = await run.guarded(self._rotation.advance_due(now), "rotations")
        return HousekeepingReport(
            expired_pending,
            expired_unclaimed,
            nudged,
            steps,
            failures=run.failures,
            escalated=escalated,
        )

    async def _expire(self, request_id: str, now: datetime, reason: str) -> int:
        result = await self._requests.expire(request_id, at=now, reason=reason, op_id=_op())
        if result.request is None:
            await self._lifecycle.drop_missing([request_id])
            return 0
        if not result.applied:
            return 0  # another replica expired it, or it moved on
        await self._notifier.update_approval_message(result.request)
        await self._notifier.tell_requester(result.request, RequesterNotice.EXPIRED)
        return 1

    async def _nudge(self, request: TokenRequest, now: datetime) -> int:
        result = await self._lifecycle.nudge(
            request.id,
            at=now,
            created_at=request.created_at,
            after=self._policy.reminders.nudge_after,
            op_id=_op(),
        )
        if not result.applied or result.request is None:
            return 0
        rules = self._policy.for_registry(request.ask.registry_name)
        already = {a.user_id for a in result.request.approvals}
        waiting = [a for a in rules.approvers if a not in already and a != request.requester]
        await self._tell.nudge_approvers(result.request, waiting, int(result.detail or 1))
        return 1


class _Run:
    """One housekeeping run: a failure with one request is logged and counted, and the run
    goes on with the next."""

    def __init__(self) -> None:
        self.failures = 0

    async def guarded(self, work: Awaitable[int], what: str) -> int:
        try:
            return await work
        except Exception:  # logged with its traceback; the scheduler must keep running
            log.exception("housekeeping step failed", extra={"request_id": what})
            self.failures += 1
            return 0


def _op() -> str:
    return uuid.uuid4().hex
