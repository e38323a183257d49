"""Small factories the composition root (`bot.runtime.wiring.assemble`) calls in turn: the
stores on one Redis, the services on the stores and clients, the reminder sweep, the scheduler
and the health check. Each takes what it needs and builds nothing it is not named for."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.clock import Clock
from bot.ionos.errors import IonosError
from bot.policy.model import Policy
from bot.runtime.clients import Clients
from bot.runtime.metrics import Metrics
from bot.runtime.scheduler import Scheduler
from bot.runtime.settings import Settings
from bot.runtime.web import HealthCheck
from bot.services.approvers import ApproverDirectory
from bot.services.catalog import RegistryCatalog
from bot.services.delivery import DeliveryService
from bot.services.extension import ExtensionApplier
from bot.services.housekeeping import HousekeepingService
from bot.services.reminders import ReminderService
from bot.services.renewals import Renewals
from bot.services.requests import RequestService
from bot.services.rotation import RotationService
from bot.services.tokens import TokenService
from bot.store.audit import AuditLog
from bot.store.housekeeping import HousekeepingStore
from bot.store.keys import Keys
from bot.store.locks import RedisLock
from bot.store.ownership import OwnershipStore
from bot.store.reminders import SendOnceLedger
from bot.store.replication import NO_WAIT, Replication
from bot.store.requests import RequestStore
from handlers.notifiers.housekeeping import SlackLifecycleNotifier
from handlers.notifiers.reminders import SlackReminderNotifier
from handlers.notifiers.requests import SlackNotifier, SlackUserGroups
from handlers.services import LifecycleServices, Services

REGISTRY_CACHE_AGE = timedelta(minutes=5)


@dataclass(frozen=True)
class Stores:
    keys: Keys
    requests: RequestStore
    audit: AuditLog
    ownership: OwnershipStore
    housekeeping: HousekeepingStore
    ledger: SendOnceLedger


def build_stores(clients: Clients, keys: Keys, replication: Replication = NO_WAIT) -> Stores:
    """`replication`: how many replicas hold a change before anyone is told about it."""
    redis = clients.redis
    return Stores(
        keys=keys,
        requests=RequestStore(redis, keys, replication=replication),
        audit=AuditLog(redis, keys, replication=replication),
        ownership=OwnershipStore(redis, keys, replication),
        housekeeping=HousekeepingStore(redis, keys, replication=replication),
        ledger=SendOnceLedger(redis, keys),
    )


@dataclass(frozen=True)
class Shared:
    """What several services use: who approves, the registry catalog, the Slack notifiers."""

    approvers: ApproverDirectory
    catalog: RegistryCatalog
    notifier: SlackNotifier
    lifecycle_notifier: SlackLifecycleNotifier
    tokens: TokenService


def build_shared(policy: Policy, clients: Clients, stores: Stores, clock: Clock) -> Shared:
    approvers = ApproverDirectory(policy, SlackUserGroups(clients.slack), clock)
    catalog = RegistryCatalog(clients.ionos, clock, max_age=REGISTRY_CACHE_AGE)
    tokens = TokenService(
        api=clients.ionos,
        catalog=catalog,
        ownership=stores.ownership,
        audit=stores.audit,
        approvers=approvers,
        clock=clock,
    )
    return Shared(
        approvers=approvers,
        catalog=catalog,
        notifier=SlackNotifier(clients.slack, clock),
        lifecycle_notifier=SlackLifecycleNotifier(clients.slack, clock),
        tokens=tokens,
    )


def build_services(
    settings: Settings,
    policy: Policy,
    clients: Clients,
    stores: Stores,
    clock: Clock,
    metrics: Metrics,
) -> Services:
    shared = build_shared(policy, clients, stores, clock)
    rotation = RotationService(
        requests=stores.requests,
        lifecycle=stores.housekeeping,
        api=clients.ionos,
        ownership=stores.ownership,
        approvers=shared.approvers,
        notifier=shared.lifecycle_notifier,
        policy=policy,
        clock=clock,
    )
    extension = ExtensionApplier(
        requests=stores.requests,
        lifecycle=stores.housekeeping,
        api=clients.ionos,
        ownership=stores.ownership,
        approvers=shared.approvers,
        notifier=shared.notifier,
        lifecycle_notifier=shared.lifecycle_notifier,
        clock=clock,
    )
    request_flow = RequestService(
        requests=stores.requests,
        ownership=stores.ownership,
        policy=policy,
        approvers=shared.approvers,
        catalog=shared.catalog,
        notifier=shared.notifier,
        clock=clock,
        extensions=extension,
    )
    return Services(
        requests=request_flow,
        delivery=DeliveryService(
            requests=stores.requests,
            api=clients.ionos,
            catalog=shared.catalog,
            notifier=shared.notifier,
            clock=clock,
            ownership=stores.ownership,
            rotations=rotation,
        ),
        tokens=shared.tokens,
        lifecycle=build_lifecycle(
            policy, clients, stores, shared, request_flow, extension, rotation, clock
        ),
        catalog=shared.catalog,
        ownership=stores.ownership,
        policy=policy,
        clock=clock,
        command=settings.slack_command,
        decisions=metrics,
    )


def build_lifecycle(
    policy: Policy,
    clients: Clients,
    stores: Stores,
    shared: Shared,
    request_flow: RequestService,
    extension: ExtensionApplier,
    rotation: RotationService,
    clock: Clock,
) -> LifecycleServices:
    """Extend, rotate, and the housekeeping the scheduler runs."""
    return LifecycleServices(
        asks=Renewals(
            requests=stores.requests,
            lifecycle=stores.housekeeping,
            flow=request_flow,
            tokens=shared.tokens,
            api=clients.ionos,
            policy=policy,
            clock=clock,
        ),
        extension=extension,
        rotation=rotation,
        housekeeping=HousekeepingService(
            requests=stores.requests,
            lifecycle=stores.housekeeping,
            notifier=shared.notifier,
            lifecycle_notifier=shared.lifecycle_notifier,
            rotation=rotation,
            policy=policy,
        ),
    )


def build_reminders(
    settings: Settings, policy: Policy, clients: Clients, stores: Stores, clock: Clock
) -> ReminderService:
    return ReminderService(
        api=clients.ionos,
        ownership=stores.ownership,
        ledger=stores.ledger,
        notifier=SlackReminderNotifier(clients.slack_once, clock),
        policy=policy,
        clock=clock,
        audit=stores.audit,
        # one walker per IONOS slot: with fewer, slots sit idle (docs/performance.md §2)
        registries_at_once=settings.ionos_max_in_flight,
    )


def build_scheduler(
    policy: Policy,
    clients: Clients,
    stores: Stores,
    services: Services,
    reminders: ReminderService,
    clock: Clock,
    metrics: Metrics,
    lock_ttl: timedelta,
) -> Scheduler:
    async def housekeeping(now: datetime) -> None:
        await services.lifecycle.housekeeping.housekeeping(now)
        await stores.audit.trim(older_than=now - policy.audit_retention)

    return Scheduler(
        reminders,
        housekeeping,  # nudges, request expiry, rotation grace, audit retention
        lambda: RedisLock(clients.redis, stores.keys, "sweep", lock_ttl),
        clock,
        policy.reminders.sweep_interval,
        on_report=metrics.record_sweep,
    )


def build_health(clients: Clients) -> HealthCheck:
    async def health() -> dict[str, str]:
        checks = {"redis": "ok", "ionos": "ok"}
        try:
            await asyncio.wait_for(clients.redis.ping(), timeout=1.0)
        except Exception as exc:  # noqa: BLE001 - any failure is "not ok", reported as such
            checks["redis"] = f"error: {type(exc).__name__}"
        try:
            await asyncio.wait_for(clients.ionos.list_registries(limit=1), timeout=2.0)
        except (IonosError, TimeoutError) as exc:
            checks["ionos"] = f"error: {type(exc).__name__}"
        return checks

    return health
