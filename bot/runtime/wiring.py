"""The composition root: settings in, a running bot out.

`assemble` opens the clients (`bot.runtime.clients`: Redis, the Slack Web API, the IONOS API),
then calls the small factories of `bot.runtime.factories` in turn — stores, services, the
reminder sweep, the scheduler, the health check — and registers the Slack handlers. Everything
else receives what it needs through its constructor. Running it — HTTP or Socket Mode, signals,
graceful shutdown — is `bot.runtime.serve`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from redis.asyncio import Redis
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock, SystemClock
from bot.ionos.client import IonosClient
from bot.policy.model import Policy, PolicyError
from bot.runtime.clients import open_clients
from bot.runtime.factories import (
    build_health,
    build_reminders,
    build_scheduler,
    build_services,
    build_stores,
)
from bot.runtime.inflight import InFlight
from bot.runtime.logs import install_redaction
from bot.runtime.metrics import Metrics
from bot.runtime.policy_access import policy_file_problem
from bot.runtime.scheduler import Scheduler
from bot.runtime.settings import Settings, SettingsError, load_settings
from bot.runtime.web import HealthCheck, make_web_app
from bot.services.reminders import ReminderService
from bot.store.keys import Keys
from bot.store.replication import Replication
from handlers.app import build_bolt_app
from handlers.services import Services

SWEEP_LOCK_TTL = timedelta(seconds=60)  # renewed every 20 s while a sweep runs


@dataclass
class Bot:
    web_app: web.Application  # HTTP mode: /slack/events, /livez, /readyz, /healthz, /metrics
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
    keys = Keys(namespace=settings.regbot_namespace)
    async with open_clients(settings, metrics) as clients:
        stores = build_stores(clients, keys, Replication(replicas=settings.replicas_ack))
        services = build_services(settings, policy, clients, stores, clock, metrics)
        reminders = build_reminders(
            settings,
            policy,
            clients,
            stores,
            clock,
            homes=services.home.updates,
            digest_extras=services.reviews.housekeeping,
        )
        scheduler = build_scheduler(
            policy, clients, stores, services, reminders, clock, metrics, sweep_lock_ttl
        )
        inflight = InFlight()
        bolt = build_bolt_app(
            clients.slack,
            settings.slack_signing_secret.get_secret_value(),
            services,
            traffic=metrics,
            acks_sent=inflight.acks_sent,
        )
        health = build_health(clients, clock)
        try:
            yield Bot(
                web_app=make_web_app(
                    bolt, health, metrics=metrics.render, dispatching=inflight.dispatching
                ),
                services=services,
                redis=clients.redis,
                ionos=clients.ionos,
                slack=clients.slack,
                keys=keys,
                reminders=reminders,
                scheduler=scheduler,
                bolt=bolt,
                health=health,
                metrics=metrics,
                inflight=inflight,
            )
        finally:
            await services.home.updates.aclose()  # the background Home publisher


def load_config() -> tuple[Settings, Policy]:
    """Settings and policy, or one clear line on stderr and exit code 2."""
    try:
        settings = load_settings()
        if problem := policy_file_problem(settings.regbot_policy):
            raise PolicyError(problem)
        policy = Policy.load(settings.regbot_policy)
    except (SettingsError, PolicyError) as exc:
        print(f"regbot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return settings, policy
