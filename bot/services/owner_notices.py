"""Telling a token's owner when someone else — an approver — disables, enables, deletes or
rotates it. The change itself is audited where it happens; the DM gets an entry of its own
(``owner_told``, outcome ok or failed), so the trail shows the owner was told, or that Slack
did not take it. A failed DM never undoes the change."""

from __future__ import annotations

import logging

from bot.domain.audit import AuditAction, Outcome
from bot.domain.clock import Clock
from bot.services.ports import AuditTrail, OwnerChange, OwnerNotifier

log = logging.getLogger(__name__)


class OwnerNotices:
    def __init__(self, notifier: OwnerNotifier, audit: AuditTrail, clock: Clock) -> None:
        self._notifier = notifier
        self._audit = audit
        self._clock = clock

    async def tell(
        self, change: OwnerChange, *, registry_id: str, token_id: str, request_id: str = ""
    ) -> bool:
        """DM the owner unless they did it themselves; True when a DM went out."""
        if not change.owner or change.owner == change.actor:
            return False
        outcome, detail = Outcome.OK, ""
        try:
            await self._notifier.tell_owner(change)
        except Exception as exc:  # noqa: BLE001 - the change is done; the DM is reported
            outcome, detail = Outcome.FAILED, f" (Slack did not take the DM: {type(exc).__name__})"
            log.warning("owner not told", extra={"token_id": token_id, "owner": change.owner})
        await self._audit.append(
            at=self._clock.now(),
            actor=change.actor,
            action=AuditAction.OWNER_TOLD,
            outcome=outcome,
            registry=registry_id,
            token=token_id,
            request_id=request_id,
            detail=f"token {change.token_name} {change.what}: owner {change.owner} told{detail}",
        )
        return outcome is Outcome.OK
