"""Ports of the token lifecycle (extend, rotate, housekeeping): the store of its transitions
(`bot.store.lifecycle.LifecycleStore`), how it tells people (`handlers.lifecycle_notifier`),
and the hooks the request and delivery flows call when a lifecycle request reaches them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.models import TokenRequest
from bot.services.ports import Transitioned


class LifecycleRepository(Protocol):
    async def pending_ids(self, *, created_before: datetime | None = None) -> list[str]: ...
    async def approved_ids(self, *, decided_before: datetime) -> list[str]: ...
    async def rotation_ids(self, *, since_before: datetime) -> list[str]: ...
    async def drop_missing(self, ids: list[str]) -> None: ...
    async def forget_submission(self, nonce: str, request_id: str) -> None: ...
    async def rotation_stage(self, request_id: str) -> str: ...
    async def nudge(
        self, request_id: str, *, at: datetime, created_at: datetime, after: timedelta, op_id: str
    ) -> Transitioned: ...
    async def start_applying(
        self, request_id: str, *, actor: str, at: datetime, stale_after: timedelta, op_id: str
    ) -> Transitioned: ...
    async def extended(
        self, request_id: str, *, actor: str, at: datetime, detail: str, op_id: str
    ) -> Transitioned: ...
    async def claim_rotation_step(
        self,
        request_id: str,
        *,
        actor: str,
        at: datetime,
        stage: str,
        stale_after: timedelta,
        due_before: datetime | None,
        op_id: str,
    ) -> Transitioned: ...
    async def finish_rotation_step(
        self,
        request_id: str,
        *,
        actor: str,
        at: datetime,
        stage: str,
        reached: str,
        action: str,
        detail: str,
        op_id: str,
    ) -> Transitioned: ...
    async def release_rotation_step(
        self, request_id: str, *, actor: str, at: datetime, action: str, detail: str, op_id: str
    ) -> Transitioned: ...


class LifecycleNotice(StrEnum):
    EXTENDED = "extended"  # the new expiry is on IONOS
    EXTEND_FAILED = "extend_failed"  # approved, but IONOS refused the PATCH: retry offered
    SWITCH_OFFER = "switch_offer"  # the rotated token was delivered: "I've switched"
    OLD_DISABLED = "old_disabled"  # a rotation's old token was disabled
    OLD_DELETED = "old_deleted"  # … and deleted


class LifecycleNotifier(Protocol):
    async def nudge_approvers(
        self, request: TokenRequest, approvers: Sequence[str], count: int
    ) -> None:
        """Remind the approvers (user ids, user-group ids) of a request still pending."""
        ...

    async def tell(
        self, user_id: str, request: TokenRequest, notice: LifecycleNotice, detail: str = ""
    ) -> None:
        """A DM to `user_id` about a lifecycle request; `detail` is e.g. IONOS's words."""
        ...


class ApprovalFollowUp(Protocol):
    """What happens once an extension is approved (the request flow calls it)."""

    async def approved(self, request: TokenRequest, actor: str) -> TokenRequest: ...


class CollectFollowUp(Protocol):
    """What happens after a rotation's new token was delivered (the delivery flow calls it)."""

    async def delivered(self, request: TokenRequest) -> None: ...
