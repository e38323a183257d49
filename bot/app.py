"""The composition root: settings in, a running bot out.

This is the one module that opens the Redis connection pool, the IONOS HTTP client and
the Slack Web API client, builds the stores and services, and registers the Slack handlers.
Everything else receives what it needs through its constructor. Running it — HTTP or
Socket Mode, signals, graceful shutdown — is `bot.serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock, SystemClock
from bot.inflight import InFlight
from bot.ionos.auth import auth_from
from bot.ionos.client import IonosClient
from bot.ionos.errors import IonosError
from bot.logs import install_redaction
from bot.metrics import Metrics
from bot.policy import Policy, PolicyError
from bot.scheduler import Scheduler
from bot.services.approvers import ApproverDirectory
from bot.services.catalog import RegistryCatalog
from bot.services.delivery import DeliveryService
from bot.services.extension import ExtensionApplier
from bot.services.lifecycle import LifecycleService
from bot.services.lifecycle_asks import LifecycleAsks
from bot.services.reminders import ReminderService
from bot.services.requests import RequestService
from bot.services.rotation import RotationService
from bot.services.tokens import TokenService
from bot.settings import Settings, SettingsError, load_settings
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.lifecycle import LifecycleStore
from bot.store.locks import RedisLock
from bot.store.ownership import OwnershipStore
from bot.store.reminders import SendOnceLedger
from bot.store.requests import RequestStore
from bot.web import HealthCheck, make_web_app
from handlers.app import build_bolt_app
from handlers.lifecycle_notifier import SlackLifecycleNotifier
from handlers.listeners import LifecycleServices, Services
from handlers.notifier import SlackNotifier, SlackUserGroups
from handlers.reminder_notifier import SlackReminderNotifier

log = logging.getLogger(__name__)

REGISTRY_CACHE_AGE = timedelta(minutes=5)
SWEEP_LOCK_TTL = timedelta(seconds=60)  # renewed every 20 s while a sweep runs


@dataclass
class Bot:
    web_app: web.Application  # HTTP mode: /slack/events, /healthz, /metrics
    services: Services
    redis: Redis
    ionos: IonosClient
    slack: AsyncWebClient
    keys: Keys
    bolt: AsyncApp
    health: HealthCheck
    metrics: Metrics
    inflight: InFlight
    reminders: ReminderService
    scheduler: Scheduler  # started by `regbot serve`; `regbot sweep --once` runs one tick


def redis_from(url: str) -> Redis:
    """A pool that waits for a free connection instead of failing under bursts, with short
    timeouts and few retries so a Redis outage is reported within Slack's 3 seconds."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=64,
        # waiting for a free connection under a burst is normal; the pre-ack paths are
        # bounded on their own (handlers/submissions.py), so this can be generous
        timeout=5.0,
        decode_responses=True,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.3), retries=2),
    )
    return Redis(connection_pool=pool)


def slack_client(settings: Settings, *, retries: bool = True) -> AsyncWebClient:
    """``retries=False`` for the sweep's messages: a failed post is left for the next sweep
    (no sleeping through Retry-After, no duplicate after a lost answer)."""
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ]
        if retries
        else [],
    )


@contextlib.asynccontextmanager
async def assemble(
    settings: Settings,
    policy: Policy,
    *,
    clock: Clock | None = None,
    sweep_lock_ttl: timedelta = SWEEP_LOCK_TTL,
    metrics: Metrics | None = None,
) -> AsyncIterator[Bot]:
    install_redaction()
    clock = clock or SystemClock()
    metrics = metrics or Metrics()
    inflight = InFlight()
    keys = Keys(namespace=settings.regbot_namespace)
    redis = redis_from(settings.redis_url)
    slack = slack_client(settings)
    ionos = IonosClient(
        settings.ionos_api_url,
        auth_from(settings.ionos_token, settings.ionos_username, settings.ionos_password),
        contract_number=settings.ionos_contract_number,
        timeout=settings.ionos_timeout_seconds,
        max_in_flight=settings.ionos_max_in_flight,
        rate_per_second=settings.ionos_rate_per_second,
        observe=metrics.observe_ionos,
    )
    try:
        requests = RequestStore(redis, keys)
        audit = AuditLog(redis, keys)
        ownership = OwnershipStore(redis, keys)
        approvers = ApproverDirectory(policy, SlackUserGroups(slack), clock)
        catalog = RegistryCatalog(ionos, clock, max_age=REGISTRY_CACHE_AGE)
        notifier = SlackNotifier(slack, clock)
        tokens = TokenService(
            api=ionos,
            catalog=catalog,
            ownership=ownership,
            audit=audit,
            approvers=approvers,
            clock=clock,
        )
        # -- token lifecycle: extend, rotate, housekeeping (issue 4) ----------------------
        lifecycle_store = LifecycleStore(redis, keys)
        lifecycle_notifier = SlackLifecycleNotifier(slack, clock)
        rotation = RotationService(
            requests=requests,
            lifecycle=lifecycle_store,
            api=ionos,
            ownership=ownership,
            approvers=approvers,
            notifier=lifecycle_notifier,
            policy=policy,
            clock=clock,
        )
        extension = ExtensionApplier(
            requests=requests,
            lifecycle=lifecycle_store,
            api=ionos,
            ownership=ownership,
            approvers=approvers,
            notifier=notifier,
            lifecycle_notifier=lifecycle_notifier,
            clock=clock,
        )
        request_flow = RequestService(
            requests=requests,
            ownership=ownership,
            policy=policy,
            approvers=approvers,
            catalog=catalog,
            notifier=notifier,
            clock=clock,
            extensions=extension,
        )
        lifecycle = LifecycleServices(
            asks=LifecycleAsks(
                requests=requests,
                lifecycle=lifecycle_store,
                flow=request_flow,
                tokens=tokens,
                api=ionos,
                policy=policy,
                clock=clock,
            ),
            extension=extension,
            rotation=rotation,
            housekeeping=LifecycleService(
                requests=requests,
                lifecycle=lifecycle_store,
                notifier=notifier,
                lifecycle_notifier=lifecycle_notifier,
                rotation=rotation,
                policy=policy,
            ),
        )
        # -- end of the token lifecycle block ----------------------------------------------
        services = Services(
            requests=request_flow,
            delivery=DeliveryService(
                requests=requests,
                api=ionos,
                catalog=catalog,
                notifier=notifier,
                clock=clock,
                ownership=ownership,
                rotations=rotation,
            ),
            tokens=tokens,
            lifecycle=lifecycle,
            catalog=catalog,
            ownership=ownership,
            policy=policy,
            clock=clock,
            command=settings.slack_command,
            decisions=metrics,
        )
        reminders = ReminderService(
            api=ionos,
            ownership=ownership,
            ledger=SendOnceLedger(redis, keys),
            notifier=SlackReminderNotifier(slack_client(settings, retries=False), clock),
            policy=policy,
            clock=clock,
            audit=audit,
            # one walker per IONOS slot: with fewer, slots sit idle (docs/performance.md §2)
            registries_at_once=settings.ionos_max_in_flight,
        )

        async def housekeeping(now: datetime) -> None:
            await lifecycle.housekeeping.housekeeping(now)
            await audit.trim(older_than=now - policy.audit_retention)

        scheduler = Scheduler(
            reminders,
            housekeeping,  # nudges, request expiry, rotation grace, audit retention
            lambda: RedisLock(redis, keys, "sweep", sweep_lock_ttl),
            clock,
            policy.reminders.sweep_interval,
            on_report=metrics.record_sweep,
        )
        bolt = build_bolt_app(
            slack, settings.slack_signing_secret.get_secret_value(), services, traffic=metrics
        )

        async def health() -> dict[str, str]:
            checks = {"redis": "ok", "ionos": "ok"}
            try:
                await asyncio.wait_for(redis.ping(), timeout=1.0)
            except Exception as exc:  # noqa: BLE001 - any failure is "not ok", reported as such
                checks["redis"] = f"error: {type(exc).__name__}"
            try:
                await asyncio.wait_for(ionos.list_registries(limit=1), timeout=2.0)
            except (IonosError, TimeoutError) as exc:
                checks["ionos"] = f"error: {type(exc).__name__}"
            return checks

        web_app = make_web_app(
            bolt, health, metrics=metrics.render, dispatching=inflight.dispatching
        )
        yield Bot(
            web_app=web_app,
            services=services,
            redis=redis,
            ionos=ionos,
            slack=slack,
            keys=keys,
            reminders=reminders,
            scheduler=scheduler,
            bolt=bolt,
            health=health,
            metrics=metrics,
            inflight=inflight,
        )
    finally:
        await ionos.aclose()
        await redis.aclose()
        await redis.connection_pool.disconnect()


def load_config() -> tuple[Settings, Policy]:
    """Settings and policy, or one clear line on stderr and exit code 2."""
    try:
        settings = load_settings()
        policy = Policy.load(settings.regbot_policy)
    except (SettingsError, PolicyError) as exc:
        print(f"regbot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return settings, policy
