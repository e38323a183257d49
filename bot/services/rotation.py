"""After a rotation's new token is delivered: the old one is disabled, then deleted.

The old token is disabled when the owner clicks "I've switched", or by housekeeping once the
grace period (``policy.reminders.rotate_grace``) has passed since delivery; it is deleted a grace
period after it was disabled (long enough to re-enable it if something still used it). Each step
is claimed atomically in Redis before IONOS is called, so one replica does it; a failed call
leaves the step due for the next housekeeping run. Every step is audited on the old token.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.domain.audit import AuditAction, Refusal
from bot.domain.clock import Clock
from bot.domain.errors import AlreadyDecided, NotAllowed, ServiceUnavailable, UnknownRequest
from bot.domain.models import RequestKind, RequestState, TokenRequest
from bot.ionos.errors import IonosError, NotFound
from bot.ionos.models import TokenPatch, TokenStatus
from bot.policy.model import Policy
from bot.services.approvers import ApproverDirectory
from bot.services.owner_notices import OwnerNotices
from bot.services.ports import (
    LifecycleNotice,
    LifecycleNotifier,
    LifecycleRepository,
    OwnerChange,
    OwnershipRepository,
    RequestRepository,
    TokensApi,
)
from bot.services.words import expiry_words, mention

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "regbot"  # the audit's actor for the bot itself, as the stores write it
STEP_STALE_AFTER = timedelta(minutes=2)
LIVE, DISABLED, DELETED = "live", "disabled", "deleted"


class RotationService:
    def __init__(
        self,
        *,
        requests: RequestRepository,
        lifecycle: LifecycleRepository,
        api: TokensApi,
        ownership: OwnershipRepository,
        approvers: ApproverDirectory,
        notifier: LifecycleNotifier,
        policy: Policy,
        clock: Clock,
        owners: OwnerNotices | None = None,
    ) -> None:
        self._owners = owners
        self._requests = requests
        self._lifecycle = lifecycle
        self._api = api
        self._ownership = ownership
        self._approvers = approvers
        self._tell = notifier
        self._policy = policy
        self._clock = clock

    @property
    def grace(self) -> timedelta:
        return self._policy.reminders.rotate_grace

    async def delivered(self, request: TokenRequest) -> None:
        """The new token's password was shown: offer "I've switched" in the DM."""
        now = self._clock.now()
        by = expiry_words(now + self.grace, now)
        try:
            await self._tell.tell(request.requester, request, LifecycleNotice.SWITCH_OFFER, by)
        except Exception:  # noqa: BLE001 - the password is out; housekeeping still does the rest
            log.warning("could not offer the switch", extra={"request_id": request.id})

    def _unverified(self, request_id: str, actor: str) -> Callable[[str], Awaitable[None]]:
        async def refuse(detail: str) -> None:
            await self._requests.audit_refusal(
                request_id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.UNVERIFIED,
                detail=f"switched: {detail}",
            )

        return refuse

    async def switched(self, request_id: str, actor: str) -> TokenRequest:
        """The owner moved to the new token: disable the old one now."""
        request = await self._requests.get(request_id)
        if request is None or request.kind is not RequestKind.ROTATE:
            raise UnknownRequest("That rotation no longer exists.")
        registry = request.ask.registry_name
        if actor != request.requester and not await self._approvers.check(
            actor, registry, refuse=self._unverified(request.id, actor)
        ):
            await self._requests.audit_refusal(
                request.id,
                actor=actor,
                at=self._clock.now(),
                refusal=Refusal.NOT_REQUESTER,
                detail="switched: not the requester nor an approver",
            )
            raise NotAllowed("Only the person who rotated the token can say they switched.")
        if request.state is not RequestState.COLLECTED:
            raise AlreadyDecided("The new token has not been collected yet.")
        stage = await self._lifecycle.rotation_stage(request.id)
        if stage != LIVE:
            raise AlreadyDecided(f"The old token `{request.target_token_name}` is already {stage}.")
        outcome = await self._step(request, LIVE, actor, due_before=None, why="the owner switched")
        if outcome is None:
            raise AlreadyDecided("The old token is being disabled right now.")
        if not outcome:
            raise ServiceUnavailable(
                f"IONOS could not disable `{request.target_token_name}` just now. Nothing is "
                "lost: click again in a minute, or it is done at the end of the grace period."
            )
        return request

    async def advance_due(self, now: datetime) -> int:
        """Housekeeping: every step whose grace period has passed. Returns how many were done."""
        due_before = now - self.grace
        ids = await self._lifecycle.rotation_ids(since_before=due_before)
        done = 0
        for request_id in ids:
            request = await self._requests.get(request_id)
            if request is None:
                await self._lifecycle.drop_missing([request_id])
                continue
            stage = await self._lifecycle.rotation_stage(request_id)
            why = "the grace period passed"
            if await self._step(request, stage, SYSTEM_ACTOR, due_before=due_before, why=why):
                done += 1
        return done

    async def _step(
        self,
        request: TokenRequest,
        stage: str,
        actor: str,
        *,
        due_before: datetime | None,
        why: str,
    ) -> bool | None:
        """Disable (from live) or delete (from disabled) the old token. None: not ours to do
        (another replica, or not due); False: IONOS failed (audited; tried again later)."""
        if stage not in (LIVE, DISABLED):
            return None
        claim = await self._lifecycle.claim_rotation_step(
            request.id,
            actor=actor,
            at=self._clock.now(),
            stage=stage,
            stale_after=STEP_STALE_AFTER,
            due_before=due_before,
            op_id=_op(),
        )
        if not claim.applied:
            return None
        registry_id, old = request.ask.registry_id, request.target_token_id or ""
        owned = await self._ownership.get(old)  # read before a delete forgets it
        name = request.target_token_name
        action = AuditAction.DISABLED if stage == LIVE else AuditAction.DELETED
        reached = DISABLED if stage == LIVE else DELETED
        detail = f"token {name}: rotated to {request.ask.token_name}; {why}"
        try:
            if stage == LIVE:
                await self._api.patch_token(
                    registry_id, old, TokenPatch(status=TokenStatus.DISABLED)
                )
            else:
                await self._api.delete_token(registry_id, old)
        except NotFound:
            action, reached, detail = AuditAction.DELETED, DELETED, f"token {name}: already gone"
        except IonosError as exc:
            await self._lifecycle.release_rotation_step(
                request.id,
                actor=actor,
                at=self._clock.now(),
                action=action,
                detail=f"token {name}: {exc.summary}",
                op_id=_op(),
            )
            return False
        await self._lifecycle.finish_rotation_step(
            request.id,
            actor=actor,
            at=self._clock.now(),
            stage=stage,
            reached=reached,
            action=action,
            detail=detail,
            op_id=_op(),
        )
        if reached == DELETED:
            await self._ownership.forget(old)
        if self._owners is not None and owned is not None and owned.owner != request.requester:
            note = (
                f"{mention(request.requester)} rotated it: its successor is "
                f"`{request.ask.token_name}`."
            )
            change = OwnerChange(
                owned.owner, actor, request.ask.registry_name, name or old, reached, note
            )
            await self._owners.tell(
                change, registry_id=registry_id, token_id=old, request_id=request.id
            )
        notice = (
            LifecycleNotice.OLD_DISABLED if reached == DISABLED else LifecycleNotice.OLD_DELETED
        )
        now = self._clock.now()
        try:
            await self._tell.tell(
                request.requester, request, notice, expiry_words(now + self.grace, now)
            )
        except Exception:  # noqa: BLE001 - the step is done and audited; the DM is a courtesy
            log.warning("could not tell about the old token", extra={"request_id": request.id})
        return True


def _op() -> str:
    return uuid.uuid4().hex
