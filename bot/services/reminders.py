"""The expiry sweep: every registry, every token, reminders sent exactly once, a daily digest.

`ReminderService.sweep` walks the registries through the `TokensApi` port, a few registries at
a time (``registries_at_once``: `bot.runtime.wiring` passes ``IONOS_MAX_IN_FLIGHT``, one walker per
slot of the IONOS client, which bounds in-flight requests and paces them), one page of tokens at a
time: memory holds the pages in flight and the digests' first entries, never the list of all
tokens. For each token it applies `reminder_rules` (which threshold is
due, which digest categories it is in) and sends through the `ReminderNotifier` port.

Exactly once, independently of any lock: every message is an item of the `SendOnce` ledger,
claimed before the Slack call, marked sent when Slack took it and released when it did not
(the next sweep sends it) — see `bot.store.reminders` for the protocol and its limits.

The daily digest goes to each approval channel once per UTC day, at the first sweep at or after
``policy.reminders.digest_hour_utc`` that completes; a sweep that could not read one of the
channel's registries leaves that channel's digest for the next sweep.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bot.domain.audit import AuditAction
from bot.domain.clock import Clock
from bot.domain.reminders import BreakGlassEntry, Digest, DigestEntry, OwnerUnreachable
from bot.ionos.errors import IonosError
from bot.ionos.models import Registry, Token
from bot.policy.model import Policy, RegistryPolicy, format_duration
from bot.services.ports import (
    AuditTrail,
    DigestExtras,
    OwnerObserver,
    OwnershipRepository,
    ReminderNotifier,
    SendOnce,
    TokensApi,
    UnreviewedBreakGlass,
)
from bot.services.reminder_rules import (
    digest_categories,
    digest_channels,
    disabled_since,
    due_threshold,
    remindable,
    reminder_for,
    token_ref,
)

log = logging.getLogger(__name__)


DIGEST_KEEP = timedelta(days=2)
REMINDER_KEEP_PAST_EXPIRY = timedelta(days=1)


@dataclass
class SweepReport:
    started: datetime
    registries: int = 0
    registries_skipped: int = 0  # not governed by the policy
    registries_failed: int = 0  # IONOS failed while walking them
    tokens: int = 0
    reminders_sent: int = 0
    reminders_failed: int = 0  # Slack did not take them: due again next sweep
    reminders_skipped: int = 0  # sent before, or being sent by another replica
    digests_sent: int = 0
    digests_failed: int = 0
    halted: bool = False  # stopped early (the sweep lock was lost)
    duration: timedelta = timedelta(0)

    def as_dict(self) -> dict[str, object]:
        return {
            "registries": self.registries,
            "registries_skipped": self.registries_skipped,
            "registries_failed": self.registries_failed,
            "tokens": self.tokens,
            "reminders_sent": self.reminders_sent,
            "reminders_failed": self.reminders_failed,
            "reminders_skipped": self.reminders_skipped,
            "digests_sent": self.digests_sent,
            "digests_failed": self.digests_failed,
            "halted": self.halted,
            "duration_seconds": round(self.duration.total_seconds(), 3),
        }


@dataclass
class _Run:
    """One sweep's state, shared by its registry walkers (one event loop: no locking)."""

    now: datetime
    claimant: str
    report: SweepReport
    halt: asyncio.Event | None
    digest_due: set[str]  # channels whose digest of today is still to be sent
    digests: dict[str, Digest] = field(default_factory=dict)
    incomplete: set[str] = field(default_factory=set)  # channels with a registry not read

    @property
    def halted(self) -> bool:
        return self.halt is not None and self.halt.is_set()


class ReminderService:
    def __init__(
        self,
        *,
        api: TokensApi,
        ownership: OwnershipRepository,
        ledger: SendOnce,
        notifier: ReminderNotifier,
        policy: Policy,
        clock: Clock,
        audit: AuditTrail | None = None,
        break_glass: UnreviewedBreakGlass | None = None,
        registries_at_once: int = 4,
        page_size: int = 100,
        digest_rows: int = 10,
        owner_watch: OwnerObserver | None = None,
        digest_extras: DigestExtras | None = None,
    ) -> None:
        self._api = api
        self._ownership = ownership
        self._ledger = ledger
        self._notifier = notifier
        self._policy = policy
        self._clock = clock
        self._audit = audit  # each reminder that went out is on the record
        self._break_glass = break_glass  # unreviewed break-glass tokens go in the digest
        self._at_once = registries_at_once
        self._page_size = page_size
        self._digest_rows = digest_rows
        self._owner_watch = owner_watch  # owners who left Slack (bot.services.owners)
        self._digest_extras = digest_extras  # overdue access reviews (bot.services.review_schedule)

    async def sweep(self, now: datetime, *, halt: asyncio.Event | None = None) -> SweepReport:
        """One pass over everything; `halt` set (the lock was lost) stops it between tokens."""
        began = self._clock.now()
        now = now.astimezone(UTC)  # digest days and hours are UTC
        report = SweepReport(started=now)
        run = _Run(now, secrets.token_hex(8), report, halt, await self._digests_due(now))
        slots = asyncio.Semaphore(self._at_once)
        async with asyncio.TaskGroup() as group:
            try:
                async for registry in self._api.iter_registries():
                    await slots.acquire()
                    if run.halted:
                        slots.release()
                        break
                    group.create_task(self._registry_then(slots, registry, run))
            except IonosError as exc:  # the walkers started so far finish their registries
                log.warning("sweep could not list the registries", extra={"error": exc.summary})
                run.incomplete |= run.digest_due
        if not run.halted:
            await self._send_digests(run)
        report.halted = run.halted
        report.duration = self._clock.now() - began
        log.info("sweep done", extra=report.as_dict())
        return report

    # registries and pages ---------------------------------------------------------------------
    async def _registry_then(self, slots: asyncio.Semaphore, registry: Registry, run: _Run) -> None:
        try:
            await self._registry(registry, run)
        finally:
            slots.release()

    async def _registry(self, registry: Registry, run: _Run) -> None:
        if not self._policy.governs(registry.name):
            run.report.registries_skipped += 1
            return
        rules = self._policy.for_registry(registry.name)
        run.report.registries += 1
        seen: set[str] = set()  # a token shifted across a page boundary comes once
        try:
            async for page in self._api.iter_token_pages(registry.id, page_size=self._page_size):
                fresh = [t for t in page.items or [] if t.id not in seen]
                seen.update(t.id for t in fresh)
                await self._page(registry, rules, fresh, run)
                if run.halted:
                    return
        except IonosError as exc:
            run.report.registries_failed += 1
            run.incomplete.add(rules.approval_channel)
            log.warning(
                "sweep could not read a registry's tokens",
                extra={"registry": registry.name, "error": exc.summary},
            )

    async def _page(
        self, registry: Registry, rules: RegistryPolicy, tokens: list[Token], run: _Run
    ) -> None:
        run.report.tokens += len(tokens)
        thresholds = self._policy.reminders.thresholds
        due = [
            (token, threshold)
            for token in tokens
            if remindable(token)
            and (threshold := due_threshold(token.expiry_date, run.now, thresholds))
        ]
        collect = rules.approval_channel in run.digest_due
        every = collect or self._owner_watch is not None
        owners = await self._owners(tokens if every else [t for t, _ in due])
        for token, threshold in due:
            if run.halted:
                return
            await self._remind(registry, rules, token, threshold, owners[token.id], run)
        if collect:
            self._collect(registry, rules, tokens, owners, run)
        await self._watch_owners(registry, rules, tokens, owners)

    async def _watch_owners(
        self,
        registry: Registry,
        rules: RegistryPolicy,
        tokens: list[Token],
        owners: dict[str, str | None],
    ) -> None:
        if self._owner_watch is None:
            return
        try:
            await self._owner_watch.page(registry, rules.approval_channel, tokens, owners)
        except Exception:  # the reminders go on; the next sweep looks again
            log.exception("owner watch failed", extra={"registry": registry.name})

    async def _owners(self, tokens: list[Token]) -> dict[str, str | None]:
        """One Redis round trip for the page (a lookup per token cost the sweep ~5x its
        floor: docs/performance.md, benchmark 2)."""
        if not tokens:
            return {}
        found = await self._ownership.owners_of([t.id for t in tokens])
        return {t.id: found.get(t.id) for t in tokens}

    # reminders --------------------------------------------------------------------------------
    async def _remind(
        self,
        registry: Registry,
        rules: RegistryPolicy,
        token: Token,
        threshold: timedelta,
        owner: str | None,
        run: _Run,
    ) -> None:
        reminder = reminder_for(registry, token, threshold, owner)
        item = self._ledger.reminder(token.id, format_duration(threshold), reminder.expiry)
        if not await self._ledger.claim(item, run.claimant):
            run.report.reminders_skipped += 1
            return
        # A cancellation here leaves the claim to run out (Slack may have the message already).
        try:
            if owner is not None:
                try:
                    sent = await self._notifier.remind_owner(reminder)
                except OwnerUnreachable as gone:
                    log.warning(
                        "owner unreachable; reminding approvers", extra={"why": gone.reason}
                    )
                    unreachable = replace(reminder, owner=None, unreachable_owner=owner)
                    sent = await self._notifier.report_unowned(rules.approval_channel, unreachable)
                    owner = None  # on the record as the channel's
            else:
                sent = await self._notifier.report_unowned(rules.approval_channel, reminder)
        except Exception:
            await self._ledger.release(item, run.claimant)
            raise
        if sent:
            keep = reminder.expiry - run.now + REMINDER_KEEP_PAST_EXPIRY
            await self._ledger.mark_sent(item, keep)
            run.report.reminders_sent += 1
            await self._record(registry, rules, token, threshold, owner, run.now)
        else:
            await self._ledger.release(item, run.claimant)
            run.report.reminders_failed += 1

    async def _record(
        self,
        registry: Registry,
        rules: RegistryPolicy,
        token: Token,
        threshold: timedelta,
        owner: str | None,
        now: datetime,
    ) -> None:
        if self._audit is None:
            return
        to = owner or f"channel {rules.approval_channel} (no known owner)"
        await self._audit.append(
            at=now,
            actor="regbot",
            action=AuditAction.REMINDED,
            registry=registry.id,
            token=token.id,
            detail=f"token {token.name}: {format_duration(threshold)} before expiry, to {to}",
        )

    # the digest -------------------------------------------------------------------------------
    async def _digests_due(self, now: datetime) -> set[str]:
        now = now.astimezone(UTC)
        if now.hour < self._policy.reminders.digest_hour_utc:
            return set()
        channels = sorted(digest_channels(self._policy))
        sent = await asyncio.gather(
            *(self._ledger.sent(self._ledger.digest(c, now.date())) for c in channels)
        )
        return {c for c, done in zip(channels, sent, strict=True) if not done}

    def _collect(
        self,
        registry: Registry,
        rules: RegistryPolicy,
        tokens: list[Token],
        owners: dict[str, str | None],
        run: _Run,
    ) -> None:
        reminders = self._policy.reminders
        channel = rules.approval_channel
        digest = run.digests.get(channel)
        if digest is None:
            digest = run.digests[channel] = Digest(
                channel,
                run.now.date(),
                disabled_days=reminders.disabled_report_days,
                limit=self._digest_rows,
            )
        disabled_after = timedelta(days=reminders.disabled_report_days)
        for token in tokens:
            categories = digest_categories(
                token,
                owners[token.id],
                run.now,
                max_expiry=rules.max_expiry,
                disabled_after=disabled_after,
            )
            if categories:
                entry = DigestEntry(
                    token_ref(registry, token), token.expiry_date, disabled_since(token)
                )
                for category in categories:
                    digest.add(category, entry)

    async def _unreviewed(self, run: _Run) -> dict[str, list[BreakGlassEntry]]:
        """Unreviewed break-glass requests by approval channel (none: no digest due)."""
        by_channel: dict[str, list[BreakGlassEntry]] = {}
        if self._break_glass is None or not run.digest_due - run.incomplete:
            return by_channel
        for request in await self._break_glass.unreviewed():
            entry = BreakGlassEntry(
                request.id,
                request.ask.registry_name,
                request.ask.token_name,
                request.requester,
                request.created_at,
            )
            by_channel.setdefault(request.approval_channel or "", []).append(entry)
        return by_channel

    async def _send_digests(self, run: _Run) -> None:
        unreviewed = await self._unreviewed(run)
        for channel in sorted(run.digest_due - run.incomplete):
            digest = run.digests.get(channel) or Digest(channel, run.now.date())
            digest.break_glass = unreviewed.get(channel, [])
            item = self._ledger.digest(channel, run.now.date())
            if not await self._ledger.claim(item, run.claimant):
                continue
            if self._digest_extras is not None:
                digest.overdue_reviews = await self._digest_extras.overdue_for(channel)
            # An empty digest is not posted, but the day is done all the same.
            sent = digest.empty or await self._notifier.post_digest(digest)
            if sent:
                await self._ledger.mark_sent(item, DIGEST_KEEP)
                if not digest.empty:
                    run.report.digests_sent += 1
            else:
                await self._ledger.release(item, run.claimant)
                run.report.digests_failed += 1
