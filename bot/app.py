"""The composition root: settings in, a running bot out.

This is the one module that reads settings, opens the Redis connection pool, the IONOS
HTTP client and the Slack Web API client, builds the stores and services, and registers
the Slack handlers. Everything else receives what it needs through its constructor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock, SystemClock
from bot.ionos.auth import auth_from
from bot.ionos.client import IonosClient
from bot.ionos.errors import IonosError
from bot.logs import configure_logging, install_redaction
from bot.policy import Policy, PolicyError
from bot.services.approvers import ApproverDirectory
from bot.services.catalog import RegistryCatalog
from bot.services.delivery import DeliveryService
from bot.services.requests import RequestService
from bot.services.tokens import TokenService
from bot.settings import Settings, SettingsError, load_settings
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.ownership import OwnershipStore
from bot.store.requests import RequestStore
from bot.web import make_web_app
from handlers.app import build_bolt_app
from handlers.listeners import Services
from handlers.notifier import SlackNotifier, SlackUserGroups

log = logging.getLogger(__name__)

REGISTRY_CACHE_AGE = timedelta(minutes=5)


@dataclass
class Bot:
    web_app: web.Application
    services: Services
    redis: Redis
    ionos: IonosClient
    slack: AsyncWebClient
    keys: Keys


def redis_from(url: str) -> Redis:
    """A pool that waits for a free connection instead of failing under bursts, with short
    timeouts and few retries so a Redis outage is reported within Slack's 3 seconds."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=64,
        timeout=1.0,
        decode_responses=True,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.3), retries=2),
    )
    return Redis(connection_pool=pool)


def slack_client(settings: Settings) -> AsyncWebClient:
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


@contextlib.asynccontextmanager
async def assemble(
    settings: Settings, policy: Policy, *, clock: Clock | None = None
) -> AsyncIterator[Bot]:
    install_redaction()
    clock = clock or SystemClock()
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
    )
    try:
        requests = RequestStore(redis, keys)
        audit = AuditLog(redis, keys)
        ownership = OwnershipStore(redis, keys)
        approvers = ApproverDirectory(policy, SlackUserGroups(slack), clock)
        catalog = RegistryCatalog(ionos, clock, max_age=REGISTRY_CACHE_AGE)
        notifier = SlackNotifier(slack, clock)
        services = Services(
            requests=RequestService(
                requests=requests,
                ownership=ownership,
                policy=policy,
                approvers=approvers,
                catalog=catalog,
                notifier=notifier,
                clock=clock,
            ),
            delivery=DeliveryService(
                requests=requests, api=ionos, catalog=catalog, notifier=notifier, clock=clock
            ),
            tokens=TokenService(
                api=ionos,
                catalog=catalog,
                ownership=ownership,
                audit=audit,
                approvers=approvers,
                clock=clock,
            ),
            catalog=catalog,
            ownership=ownership,
            policy=policy,
            clock=clock,
            command=settings.slack_command,
        )
        bolt = build_bolt_app(slack, settings.slack_signing_secret.get_secret_value(), services)

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

        yield Bot(make_web_app(bolt, health), services, redis, ionos, slack, keys)
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


def serve_command(args: argparse.Namespace) -> int:
    settings, policy = load_config()
    configure_logging(settings.log_level, settings.log_format)
    port = args.port or settings.port
    asyncio.run(_serve(settings, policy, port))
    return 0


async def _serve(settings: Settings, policy: Policy, port: int) -> None:
    async with assemble(settings, policy) as bot:
        runner = web.AppRunner(bot.web_app)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, port)
        await site.start()
        log.info("regbot serving", extra={"port": port, "path": "/slack/events"})
        with contextlib.suppress(IonosError):
            await bot.services.catalog.refresh()
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
