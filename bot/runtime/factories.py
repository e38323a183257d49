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
from bot.runtime.health import CachedCheck
from bot.runtime.metrics import Metrics
from bot.runtime.scheduler import Scheduler
from bot.runtime.settings import Settings
from bot.runtime.web import HealthCheck
from bot.services.approvers import ApproverDirectory
from bot.services.breakglass import BreakGlassService
from bot.services.breakglass_review import BreakGlassReview
from bot.services.catalog import RegistryCatalog
from bot.services.delivery import DeliveryService
from bot.services.escalation import EscalationService
from bot.services.extension import ExtensionApplier
from bot.services.home import HomeService
from bot.services.housekeeping import HousekeepingService
from bot.services.orphans import LostCreates
from bot.services.owner_notices import OwnerNotices
from bot.services.owners import OwnerService, OwnerWatch
from bot.services.reminders import ReminderService
from bot.services.renewals import Renewals
from bot.services.requests import RequestService
from bot.services.review_decisions import ReviewDecisions
from bot.services.review_schedule import ReviewHousekeeping
from bot.services.reviews import ReviewService
from bot.services.rotation import RotationService
from bot.services.selfservice import SelfService
from bot.services.tokens import TokenService
from bot.services.withdrawal import WithdrawalService
from bot.store.audit import AuditLog
from bot.store.home import HomeViewers
from bot.store.housekeeping import HousekeepingStore
from bot.store.keys import Keys
from bot.store.locks import RedisLock
from bot.store.owner_care import OwnerCareStore
from bot.store.ownership import OwnershipStore
from bot.store.reminders import SendOnceLedger
from bot.store.replication import NO_WAIT, Replication
from bot.store.requests import RequestStore
from bot.store.reviews import ReviewStore
from bot.store.rules import RulesStore
from handlers.notifiers.approvers import ApproverNotifier
from handlers.notifiers.directory import SlackPeople, SlackUserGroups
from handlers.notifiers.home import HomePublisher
from handlers.notifiers.pacing import ChannelPacer
from handlers.notifiers.people import PeopleNotifier
from handlers.notifiers.routing import SlackNotices
from handlers.notifiers.security import SecurityNotifier
from handlers.notifiers.sending import PacedPost
from handlers.services import (
    HomeServices,
    HomeUpdates,
    LifecycleServices,
    ReviewServices,
    Services,
)

REGISTRY_CACHE_AGE = timedelta(minutes=5)


@dataclass(frozen=True)
class Stores:
    keys: Keys
    requests: RequestStore
    audit: AuditLog
    ownership: OwnershipStore
    housekeeping: HousekeepingStore
    ledger: SendOnceLedger
    rules: RulesStore
    home: HomeViewers
    reviews: ReviewStore
    owner_care: OwnerCareStore


def build_stores(clients: Clients, keys: Keys, replication: Replication = NO_WAIT) -> Stores:
    """`replication`: how many replicas hold a change before anyone is told about it."""
    redis = clients.redis
    requests = RequestStore(redis, keys, replication=replication)
    return Stores(
        keys=keys,
        requests=requests,
        rules=RulesStore(redis, keys, requests, replication=replication),
        audit=AuditLog(redis, keys, replication=replication),
        ownership=OwnershipStore(redis, keys, replication),
        housekeeping=HousekeepingStore(redis, keys, replication=replication),
        ledger=SendOnceLedger(redis, keys),
        home=HomeViewers(redis, keys),
        reviews=ReviewStore(redis, keys, replication=replication),
        owner_care=OwnerCareStore(redis, keys),
    )


@dataclass(frozen=True)
class Shared:
    """What several services use: who approves, the registry catalog, the Slack notifiers (one
    per audience, and `SlackNotices` for the ports that speak to several)."""

    approvers: ApproverDirectory
    catalog: RegistryCatalog
    notices: SlackNotices
    people: PeopleNotifier  # DMs to one person
    approver_channel: ApproverNotifier  # the approval (and escalation) channels
    tokens: TokenService
    home: HomeServices
    owners: OwnerNotices  # DMs a token's owner when an approver changed their token


def build_shared(policy: Policy, clients: Clients, stores: Stores, clock: Clock) -> Shared:
    approvers = ApproverDirectory(policy, SlackUserGroups(clients.slack), clock)
    catalog = RegistryCatalog(clients.ionos, clock, max_age=REGISTRY_CACHE_AGE)
    # an owner's DM refreshes no Home, and Home is built on the token service that sends it:
    # a people notifier of its own, without Home
    owners = OwnerNotices(PeopleNotifier(clients.slack, clock), stores.audit, clock)
    tokens = TokenService(
        api=clients.ionos,
        catalog=catalog,
        ownership=stores.ownership,
        audit=stores.audit,
        approvers=approvers,
        clock=clock,
        owners=owners,
    )
    home = HomeService(
        requests=stores.requests,
        tokens=tokens,
        approvers=approvers,
        policy=policy,
        viewers=stores.home,
    )
    homes = HomePublisher(clients.slack, home, clock)  # Home tabs republished as things change
    people = PeopleNotifier(clients.slack, clock, homes=homes)
    approver_channel = ApproverNotifier(
        clients.slack, clock, homes=homes, latest=stores.requests.get
    )
    return Shared(
        approvers=approvers,
        catalog=catalog,
        notices=SlackNotices(people, approver_channel, SecurityNotifier(clients.slack, clock)),
        people=people,
        approver_channel=approver_channel,
        tokens=tokens,
        home=HomeServices(view=home, updates=homes),
        owners=owners,
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
    rotation, extension = build_renewal_steps(policy, clients, stores, shared, clock)
    request_flow = RequestService(
        requests=stores.requests,
        ownership=stores.ownership,
        policy=policy,
        approvers=shared.approvers,
        catalog=shared.catalog,
        notifier=shared.notices,
        clock=clock,
        extensions=extension,
        self_service=SelfService(store=stores.rules, approvers=shared.approvers, policy=policy),
    )
    breakglass = build_breakglass(policy, clients, stores, shared, clock)
    return Services(
        requests=request_flow,
        delivery=build_delivery(clients, stores, shared, rotation, breakglass, clock),
        tokens=shared.tokens,
        lifecycle=build_lifecycle(
            policy, clients, stores, shared, request_flow, extension, rotation, clock
        ),
        catalog=shared.catalog,
        ownership=stores.ownership,
        policy=policy,
        clock=clock,
        home=shared.home,
        withdrawals=WithdrawalService(
            requests=stores.requests, notifier=shared.notices, clock=clock
        ),
        reviews=build_reviews(policy, clients, stores, shared, clock),
        command=settings.slack_command,
        decisions=metrics,
        breakglass=breakglass,
    )


def build_renewal_steps(
    policy: Policy, clients: Clients, stores: Stores, shared: Shared, clock: Clock
) -> tuple[RotationService, ExtensionApplier]:
    """What a collected rotation and an approved extension do at IONOS."""
    rotation = RotationService(
        requests=stores.requests,
        lifecycle=stores.housekeeping,
        api=clients.ionos,
        ownership=stores.ownership,
        approvers=shared.approvers,
        notifier=shared.notices,
        policy=policy,
        clock=clock,
        owners=shared.owners,
    )
    extension = ExtensionApplier(
        requests=stores.requests,
        lifecycle=stores.housekeeping,
        api=clients.ionos,
        ownership=stores.ownership,
        approvers=shared.approvers,
        notifier=shared.notices,
        lifecycle_notifier=shared.notices,
        clock=clock,
    )
    return rotation, extension


def build_delivery(
    clients: Clients,
    stores: Stores,
    shared: Shared,
    rotation: RotationService,
    breakglass: BreakGlassService,
    clock: Clock,
) -> DeliveryService:
    """Collecting: the token created at IONOS, its password shown once."""
    return DeliveryService(
        requests=stores.requests,
        api=clients.ionos,
        catalog=shared.catalog,
        notifier=shared.notices,
        clock=clock,
        ownership=stores.ownership,
        audit=stores.audit,
        lost=LostCreates(
            api=clients.ionos,
            names=stores.requests,
            ownership=stores.ownership,
            audit=stores.audit,
            clock=clock,
        ),
        rotations=rotation,
        alarm=breakglass.announce,  # a break-glass never announced is, before its token
    )


def build_breakglass(
    policy: Policy, clients: Clients, stores: Stores, shared: Shared, clock: Clock
) -> BreakGlassService:
    review = BreakGlassReview(
        reviews=stores.rules,
        requests=stores.requests,
        api=clients.ionos,
        ownership=stores.ownership,
        audit=stores.audit,
        approvers=shared.approvers,
        notifier=shared.notices,
        holder=shared.people,
        clock=clock,
    )
    return BreakGlassService(
        decided=stores.rules,
        requests=stores.requests,
        catalog=shared.catalog,
        notifier=shared.notices,
        alerts=shared.notices,
        review=review,
        policy=policy,
        clock=clock,
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
            owners=shared.owners,
        ),
        extension=extension,
        rotation=rotation,
        housekeeping=HousekeepingService(
            requests=stores.requests,
            lifecycle=stores.housekeeping,
            notifier=shared.notices,
            lifecycle_notifier=shared.notices,
            rotation=rotation,
            policy=policy,
            escalation=EscalationService(
                requests=stores.requests,
                escalations=stores.rules,
                notifier=shared.notices,
                escalation_notifier=shared.approver_channel,
                policy=policy,
            ),
        ),
    )


def build_reviews(
    policy: Policy, clients: Clients, stores: Stores, shared: Shared, clock: Clock
) -> ReviewServices:
    """Access review campaigns, their housekeeping, and assigning token owners."""
    notifier = shared.notices
    campaigns = ReviewService(
        api=clients.ionos,
        catalog=shared.catalog,
        approvers=shared.approvers,
        ownership=stores.ownership,
        store=stores.reviews,
        notifier=notifier,
        audit=stores.audit,
        policy=policy,
        clock=clock,
    )
    return ReviewServices(
        campaigns=campaigns,
        decisions=ReviewDecisions(
            reviews=campaigns,
            api=clients.ionos,
            ownership=stores.ownership,
            store=stores.reviews,
            notifier=notifier,
            clock=clock,
        ),
        housekeeping=ReviewHousekeeping(
            reviews=campaigns,
            api=clients.ionos,
            catalog=shared.catalog,
            store=stores.reviews,
            notifier=notifier,
            policy=policy,
        ),
        owners=OwnerService(
            catalog=shared.catalog,
            approvers=shared.approvers,
            ownership=stores.ownership,
            store=stores.owner_care,
            notifier=notifier,
            people=SlackPeople(clients.slack),
            audit=stores.audit,
            clock=clock,
        ),
    )


def build_reminders(
    settings: Settings,
    policy: Policy,
    clients: Clients,
    stores: Stores,
    clock: Clock,
    homes: HomeUpdates | None = None,
    digest_extras: ReviewHousekeeping | None = None,
) -> ReminderService:
    # the sweep's own notifiers: a Slack client without retries, one pacer for every channel
    once = clients.slack_once
    paced = PacedPost(once, ChannelPacer(clock))
    notifier = SlackNotices(
        PeopleNotifier(once, clock, homes=homes, paced=paced),  # a reminded owner's Home
        ApproverNotifier(once, clock, paced=paced),
        SecurityNotifier(once, clock),
    )
    owner_watch = OwnerWatch(
        people=SlackPeople(once),
        store=stores.owner_care,
        ledger=stores.ledger,
        notifier=notifier,
        audit=stores.audit,
        clock=clock,
    )
    return ReminderService(
        api=clients.ionos,
        ownership=stores.ownership,
        ledger=stores.ledger,
        notifier=notifier,
        policy=policy,
        clock=clock,
        audit=stores.audit,
        break_glass=stores.rules,  # unreviewed break-glass tokens in the digest
        # one walker per IONOS slot: with fewer, slots sit idle (docs/performance.md §2)
        registries_at_once=settings.ionos_max_in_flight,
        owner_watch=owner_watch,  # owners who left Slack, reported once
        digest_extras=digest_extras,  # overdue access reviews in the digest
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
        await services.reviews.housekeeping.housekeeping(now)  # scheduled and due reviews
        await stores.audit.trim(older_than=now - policy.audit_retention)

    return Scheduler(
        reminders,
        housekeeping,  # nudges, request expiry, rotation grace, audit retention
        lambda: RedisLock(clients.redis, stores.keys, "sweep", lock_ttl),
        clock,
        policy.reminders.sweep_interval,
        on_report=metrics.record_sweep,
    )


def build_health(clients: Clients, clock: Clock) -> HealthCheck:
    """Readiness (Redis and IONOS answer), cached and single-flight (`bot.runtime.health`)."""

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

    return CachedCheck(health, clock)
