"""Every port the services speak through, in one module, by concern. Adapters implement them:
the IONOS client implements `TokensApi`, the Slack adapter (`handlers/notifiers/`) the
notifiers, `UserGroups` and `People`, the Redis stores the repositories. Services import none of
those adapters; a port names only what its service needs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal, Protocol

from pydantic import SecretStr

from bot.domain.audit import AuditAction, Outcome, Refusal
from bot.domain.models import TokenAsk, TokenRequest
from bot.domain.reminders import Digest, Reminder, TokenRef
from bot.domain.reviews import Campaign, Decision, OverdueReview, ReviewItem
from bot.ionos.models import Registry, Token, TokenPatch, TokensPage, TokenSpec

# IONOS ----------------------------------------------------------------------------------------
# What the services need of the IONOS Container Registry API (`bot.ionos.client`).


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


# Telling people in Slack ----------------------------------------------------------------------
# A port is shaped by what its service needs; the Slack side (`handlers/notifiers/`) is one
# class per audience (a person in their DM, the approvers, the security channel), and
# `SlackNotices` routes each method of a port that speaks to several (docs/architecture.md).


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


class BreakGlassNotifier(Protocol):
    async def alert(self, request: TokenRequest, channel: str) -> None:
        """Who, which registry, which scopes, why: to the security channel."""
        ...

    async def post_review(self, request: TokenRequest, channel: str) -> tuple[str, str]:
        """The post-hoc review message (Acknowledge, Revoke now) for the approvers."""
        ...


class RevokedNotice(Protocol):
    async def tell_revoked(self, request: TokenRequest, actor: str) -> None:
        """A DM to the holder: the token was revoked, by whom."""
        ...


class EscalationNotifier(Protocol):
    async def post_escalation(
        self, request: TokenRequest, channel: str, backups: Sequence[str]
    ) -> tuple[str, str]:
        """Ask the backup approvers (with the usual buttons); returns (channel, ts)."""
        ...


class ReviewNotifier(Protocol):
    async def post_campaign(self, campaign: Campaign, now: datetime) -> str:
        """Post the campaign in its channel; return the message's ts."""
        ...

    async def update_campaign(self, campaign: Campaign, now: datetime) -> None:
        """Show the campaign's progress ("12 of 40 decided") in its message."""
        ...

    async def post_summary(self, campaign: Campaign) -> None:
        """At the due date: kept, disabled, deleted, not reviewed."""
        ...

    async def tell_owner(
        self, owner: str, campaign: Campaign, item: ReviewItem, decision: Decision
    ) -> None:
        """A DM to the owner: their token was disabled or deleted by a review, with the note."""
        ...

    async def tell_new_owner(self, owner: str, ref: TokenRef, by: str) -> None:
        """A DM to someone who was made a token's owner."""
        ...

    async def report_owner_left(self, channel: str, ref: TokenRef, owner: str, why: str) -> bool:
        """To the approvers: the token's owner left (Assign owner, Disable). False: not sent."""
        ...


# Asking Slack about people --------------------------------------------------------------------
# User groups and whether someone is still in the workspace (usergroups.users.list, users.info).


class UserGroups(Protocol):
    """A port; the Slack adapter implements it with ``usergroups.users.list``."""

    async def members(self, group_id: str) -> frozenset[str]: ...


class PersonStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"  # users.info: deleted = true
    UNREACHABLE = "unreachable"  # users.info: user_not_found and the like
    BOT = "bot"
    UNKNOWN = "unknown"  # Slack did not answer: ask again later


class People(Protocol):
    async def status(self, user_id: str) -> PersonStatus: ...


# Requests, ownership, the audit trail ---------------------------------------------------------
# The Redis stores (`bot.store.requests`, `bot.store.ownership`, `bot.store.audit`,
# `bot.store.home`).


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


class Withdrawals(Protocol):
    """What withdrawing needs of the request store (`bot.store.requests.RequestStore`)."""

    async def get(self, request_id: str) -> TokenRequest | None: ...
    async def of_requester(self, user_id: str, *, limit: int = 50) -> list[TokenRequest]: ...
    async def cancel(
        self, request_id: str, *, actor: str, at: datetime, detail: str, op_id: str
    ) -> Transitioned: ...


class HomeRequests(Protocol):
    """What Home needs of the request store (`bot.store.requests.RequestStore`)."""

    async def of_requester(self, user_id: str, *, limit: int = 50) -> list[TokenRequest]: ...
    async def pending(self) -> list[TokenRequest]: ...


class Viewers(Protocol):
    """Who opened Home before (`bot.store.home.HomeViewers`)."""

    async def remember(self, user_id: str, at: datetime) -> None: ...
    async def opened(self, user_ids: Iterable[str]) -> set[str]: ...


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


# Policy rules ---------------------------------------------------------------------------------
# Self-service, break-glass reviews, escalation (`bot.store.rules.RulesStore`).


class DecidedOutcome(Protocol):
    @property
    def request(self) -> TokenRequest: ...
    @property
    def created(self) -> bool: ...


class DecidedRepository(Protocol):
    """Creating requests decided as they are made (`bot.store.rules.RulesStore`)."""

    async def create_decided(
        self,
        request: TokenRequest,
        *,
        nonce: str,
        ttl: timedelta,
        decided_by: str,
        detail: str,
        rule: str = "",
        cap: int = 0,
        break_glass: bool = False,
        max_open: int | None = None,
    ) -> DecidedOutcome: ...


class BreakGlassReviews(Protocol):
    """The review transitions and the open index (`bot.store.rules.RulesStore`)."""

    async def review(
        self,
        request: TokenRequest,
        *,
        verb: str,
        actor: str,
        at: datetime,
        detail: str,
        op_id: str,
    ) -> Transitioned: ...
    async def unreviewed(self, *, limit: int = 100) -> list[TokenRequest]: ...


class UnreviewedBreakGlass(Protocol):
    """Break-glass requests nobody acknowledged yet (`bot.store.rules.RulesStore`)."""

    async def unreviewed(self, *, limit: int = 100) -> list[TokenRequest]: ...


class Escalations(Protocol):
    """The escalation transition (`bot.store.rules.RulesStore`)."""

    async def escalate(
        self, request: TokenRequest, *, at: datetime, after: timedelta, to: str, op_id: str
    ) -> Transitioned: ...
    async def set_escalation_message(self, request_id: str, channel: str, ts: str) -> None: ...


# The expiry sweep -----------------------------------------------------------------------------
# What `bot.services.reminders` walks and records with.


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


# Access reviews and token owners --------------------------------------------------------------
# `ReviewRepository` is `bot.store.reviews.ReviewStore`, `OwnerCare` is
# `bot.store.owner_care.OwnerCareStore`.


class StartedCampaign(Protocol):
    @property
    def started(self) -> bool: ...
    @property
    def campaign_id(self) -> str: ...
    @property
    def why(self) -> str: ...


class StepOutcome(Protocol):
    @property
    def outcome(self) -> str: ...
    @property
    def item(self) -> ReviewItem | None: ...


class ReviewRepository(Protocol):
    async def open_campaign(self, registry_id: str) -> str | None: ...
    async def last_start_ms(self, registry_id: str) -> int | None: ...
    async def put_items(self, campaign_id: str, items: list[ReviewItem]) -> None: ...
    async def drop_items(self, campaign_id: str) -> None: ...
    async def start(
        self, campaign: Campaign, *, scheduled_before: datetime | None, detail: str
    ) -> StartedCampaign: ...
    async def get(self, campaign_id: str) -> Campaign | None: ...
    async def set_message(self, campaign_id: str, ts: str) -> None: ...
    async def campaigns_of(self, registry_name: str) -> list[str]: ...
    async def due(self, now: datetime) -> list[str]: ...
    async def unfinished(self) -> list[str]: ...
    async def close(self, campaign: Campaign, *, at: datetime, detail: str) -> bool: ...
    async def count(self, campaign_id: str) -> int: ...
    async def items(
        self, campaign_id: str, start: int = 0, count: int = -1
    ) -> list[ReviewItem]: ...
    async def item(self, campaign_id: str, token_id: str) -> ReviewItem | None: ...
    async def step(
        self,
        step: str,
        campaign_id: str,
        token_id: str,
        *,
        actor: str,
        at: datetime,
        decision: str = "",
        note: str = "",
        stale_after: timedelta = ...,
        detail: str = "",
    ) -> StepOutcome: ...
    async def last_reviewed(self, token_ids: list[str]) -> dict[str, datetime]: ...


class OwnerCare(Protocol):
    """`bot.store.owner_care.OwnerCareStore`."""

    async def assign_owner(
        self,
        *,
        token_id: str,
        owner: str,
        registry_id: str,
        registry_name: str,
        token_name: str,
        at: datetime,
        expiry: datetime | None,
    ) -> None: ...
    async def owner_known_active(self, user_id: str) -> bool: ...
    async def remember_owner_active(self, user_id: str, ttl: timedelta) -> None: ...
    def owner_left_item(self, token_id: str, owner: str) -> str: ...


# The token lifecycle (extend, rotate, housekeeping) -------------------------------------------
# The store of its transitions (`bot.store.housekeeping.HousekeepingStore`), how it tells
# people, and the hooks the request and delivery flows call when a lifecycle request reaches
# them.


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
