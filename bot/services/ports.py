"""The ports services speak through. Adapters implement them: the IONOS client implements
`TokensApi`, the Slack adapter implements `Notifier` and `UserGroups` (in approvers.py), the
Redis stores implement the repositories. Services import none of those adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal, Protocol

from pydantic import SecretStr

from bot.domain.audit import AuditAction, Outcome, Refusal
from bot.domain.models import TokenAsk, TokenRequest
from bot.domain.reminders import Digest, Reminder
from bot.domain.reviews import OverdueReview
from bot.ionos.models import Registry, Token, TokenPatch, TokensPage, TokenSpec


class TokensApi(Protocol):
    """What the services need of the IONOS Container Registry API."""

    def iter_registries(
        self, *, name: str | None = None, page_size: int = 100
    ) -> AsyncIterator[Registry]: ...

    async def get_registry(self, registry_id: str) -> Registry: ...

    def iter_tokens(self, registry_id: str, *, page_size: int = 100) -> AsyncIterator[Token]: ...

    def iter_token_pages(
        self, registry_id: str, *, page_size: int = 100
    ) -> AsyncIterator[TokensPage]: ...

    async def get_token(self, registry_id: str, token_id: str) -> Token: ...

    async def find_token(self, registry_id: str, name: str) -> Token | None: ...

    async def create_token(self, registry_id: str, spec: TokenSpec) -> Token: ...

    async def patch_token(self, registry_id: str, token_id: str, patch: TokenPatch) -> Token: ...

    async def delete_token(self, registry_id: str, token_id: str) -> None: ...


@dataclass(frozen=True)
class DeliveredCredentials:
    """What the requester sees once: never stored, never logged (the password is a SecretStr)."""

    username: str
    password: SecretStr
    registry_host: str
    token_name: str
    expiry_text: str


class RequesterNotice(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"


class Notifier(Protocol):
    """How services tell people things in Slack, in domain terms."""

    async def post_approval_request(self, request: TokenRequest, channel: str) -> tuple[str, str]:
        """Post the request to the approvers' channel; return (channel, ts) of the message."""
        ...

    async def update_approval_message(self, request: TokenRequest) -> None:
        """Show the request's current state (outcome, who decided, when) without buttons."""
        ...

    async def tell_requester(self, request: TokenRequest, notice: RequesterNotice) -> str:
        """A DM to the requester (approved ones carry the collect button); returns the DM
        channel's id."""
        ...

    async def open_dm(self, user_id: str) -> str:
        """The id of the bot's DM with `user_id` (opened if need be)."""
        ...

    async def deliver_credentials(
        self, user_id: str, channel: str, credentials: DeliveredCredentials
    ) -> bool:
        """Show the password once, ephemeral, to `user_id` in `channel` (their DM with the
        bot). False when Slack did not take it."""
        ...


@dataclass(frozen=True)
class OwnerChange:
    """Something someone else (an approver) did to a token: its owner is told."""

    owner: str
    actor: str
    registry_name: str
    token_name: str
    what: str  # "disabled", "enabled", "deleted", "asked to rotate", ...
    note: str = ""  # one more sentence, e.g. where the successor of a rotated token went


class OwnerNotifier(Protocol):
    async def tell_owner(self, change: OwnerChange) -> None:
        """A DM to ``change.owner``; raises when Slack does not take it."""
        ...


class ReminderNotifier(Protocol):
    """How the expiry sweep tells people in Slack. Each call is one message; False means Slack
    did not take it (429, 5xx, timeout, ``ok: false``, or the channel is still waiting out a
    Retry-After) and the caller leaves it due for the next sweep."""

    async def remind_owner(self, reminder: Reminder) -> bool:
        """A DM to ``reminder.owner``: token, registry, scopes, expiry, Extend/Rotate/Disable.
        Raises `OwnerUnreachable` when Slack will never take a DM to that person."""
        ...

    async def report_unowned(self, channel: str, reminder: Reminder) -> bool:
        """A token nobody owns (not made through regbot) crossed a threshold: tell approvers."""
        ...

    async def post_digest(self, digest: Digest) -> bool:
        """The daily digest to ``digest.channel``."""
        ...


class OwnerObserver(Protocol):
    """What the sweep shows each page of tokens to (`bot.services.owners.OwnerWatch`)."""

    async def page(
        self, registry: Registry, channel: str, tokens: list[Token], owners: dict[str, str | None]
    ) -> int: ...


class DigestExtras(Protocol):
    """More for a channel's digest (`bot.services.review_schedule.ReviewHousekeeping`)."""

    async def overdue_for(self, channel: str) -> list[OverdueReview]: ...


class SendOnce(Protocol):
    """The send-once ledger (`bot.store.reminders.SendOnceLedger`); items are opaque keys."""

    def reminder(self, token_id: str, threshold: str, expiry: datetime) -> str: ...
    def digest(self, channel: str, day: date) -> str: ...
    async def claim(self, item: str, claimant: str) -> bool: ...
    async def mark_sent(self, item: str, keep: timedelta) -> None: ...
    async def release(self, item: str, claimant: str) -> bool: ...
    async def sent(self, item: str) -> bool: ...


class Transitioned(Protocol):
    """The answer of a store transition (`bot.store.requests.Transition`)."""

    @property
    def applied(self) -> bool: ...
    @property
    def request(self) -> TokenRequest | None: ...
    @property
    def refusal(self) -> Refusal | None: ...
    @property
    def approvals(self) -> int: ...
    @property
    def detail(self) -> str: ...


class RequestRepository(Protocol):
    """The request state machine (`bot.store.requests.RequestStore`)."""

    async def create(
        self,
        request: TokenRequest,
        *,
        nonce: str,
        ttl: timedelta,
        max_open: int | None = None,
    ) -> tuple[TokenRequest, bool]: ...
    async def get(self, request_id: str) -> TokenRequest | None: ...
    async def set_approval_message(self, request_id: str, channel: str, ts: str) -> None: ...
    async def set_requester_channel(self, request_id: str, channel: str) -> None: ...
    async def approve(
        self,
        request_id: str,
        *,
        actor: str,
        at: datetime,
        ask: TokenAsk | None = None,
        narrowed: str | None = None,
        comment: str | None = None,
        version: int | None = None,
        op_id: str,
    ) -> Transitioned: ...
    async def deny(
        self, request_id: str, *, actor: str, at: datetime, comment: str, op_id: str
    ) -> Transitioned: ...
    async def claim(
        self, request_id: str, *, actor: str, at: datetime, stale_after: timedelta, op_id: str
    ) -> Transitioned: ...
    async def complete(
        self,
        request_id: str,
        *,
        actor: str,
        at: datetime,
        token_id: str,
        token_name: str,
        op_id: str,
        requester: str | None = None,
        keep_until: datetime | Literal[False] | None = False,
    ) -> Transitioned: ...
    async def release(
        self,
        request_id: str,
        *,
        actor: str,
        at: datetime,
        action: AuditAction,
        detail: str,
        op_id: str,
    ) -> Transitioned: ...
    async def unclaim(
        self, request_id: str, *, claim_op: str, actor: str, at: datetime, detail: str, op_id: str
    ) -> Transitioned: ...
    async def expire(
        self, request_id: str, *, at: datetime, reason: str, op_id: str
    ) -> Transitioned: ...
    async def pending(self) -> list[TokenRequest]: ...
    async def audit_refusal(
        self, request_id: str, *, actor: str, at: datetime, refusal: Refusal, detail: str
    ) -> None: ...


class NameClaims(Protocol):
    """Who holds a token name on a registry (`bot.store.requests.RequestStore`)."""

    async def name_holder(self, registry_id: str, token_name: str) -> str | None:
        """``req:<request id>``, ``token:<token id>``, or None when the name is free."""
        ...


class Owned(Protocol):
    """A token's ownership record (`bot.store.ownership.TokenOwnership`)."""

    @property
    def token_id(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def registry_id(self) -> str: ...
    @property
    def registry_name(self) -> str: ...
    @property
    def token_name(self) -> str: ...
    @property
    def request_id(self) -> str: ...


class OwnershipRepository(Protocol):
    async def get(self, token_id: str) -> Owned | None: ...
    async def owners_of(self, token_ids: list[str]) -> dict[str, str]: ...
    async def keep_until(self, token_id: str, expiry: datetime | None) -> None: ...
    async def of_user(self, user_id: str) -> Sequence[Owned]: ...
    async def forget(self, token_id: str) -> None: ...


class AuditRecord(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def registry(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def request_id(self) -> str: ...
    @property
    def detail(self) -> str: ...


class AuditTrail(Protocol):
    async def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: AuditAction | str,
        outcome: Outcome | str = Outcome.OK,
        registry: str = "",
        token: str = "",
        request_id: str = "",
        detail: str = "",
        op_id: str | None = None,
    ) -> str: ...
    async def latest(
        self,
        count: int = 20,
        *,
        registry: str | None = None,
        token: str | None = None,
        request_id: str | None = None,
        registries: Collection[str] | None = None,
    ) -> Sequence[AuditRecord]: ...


# The token lifecycle (extend, rotate, housekeeping): the store of its transitions
# (`bot.store.housekeeping.HousekeepingStore`), how it tells people
# (`handlers.notifiers.housekeeping`), and the hooks the request and delivery flows call when a
# lifecycle request reaches them.
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
