"""The three clients regbot opens — Redis, the Slack Web API, the IONOS API — built from the
settings, and closed together when the bot stops. Nothing else builds a client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.ionos.auth import auth_from
from bot.ionos.client import IonosClient
from bot.ionos.retry import RetryPolicy
from bot.runtime.metrics import Metrics
from bot.runtime.settings import Settings


@dataclass(frozen=True)
class Clients:
    redis: Redis
    slack: AsyncWebClient
    # the sweep's messages: no retries (a failed post is left for the next sweep)
    slack_once: AsyncWebClient
    ionos: IonosClient


def redis_from(url: str) -> Redis:
    """A pool that waits for a free connection instead of failing under bursts, with short
    timeouts and few retries so a Redis outage is reported within Slack's 3 seconds."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=64,
        # waiting for a free connection under a burst is normal; the pre-ack paths are
        # bounded on their own (handlers/listeners/submissions.py), so this can be generous
        timeout=5.0,
        decode_responses=True,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.3), retries=2),
    )
    return Redis(connection_pool=pool)


def slack_client(settings: Settings, *, retries: bool = True, timeout: int = 30) -> AsyncWebClient:
    """``retries=False`` for the sweep's messages: a failed post is left for the next sweep
    (no sleeping through Retry-After, no duplicate after a lost answer)."""
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ]
        if retries
        else [],
    )


def ionos_client(
    settings: Settings,
    metrics: Metrics | None = None,
    *,
    timeout: float | None = None,
    retry: RetryPolicy | None = None,
) -> IonosClient:
    """The bot's client; `regbot check-config` asks for a short timeout and no retries."""
    return IonosClient(
        settings.ionos_api_url,
        auth_from(settings.ionos_token, settings.ionos_username, settings.ionos_password),
        contract_number=settings.ionos_contract_number,
        timeout=timeout or settings.ionos_timeout_seconds,
        max_in_flight=settings.ionos_max_in_flight,
        rate_per_second=settings.ionos_rate_per_second,
        retry=retry or RetryPolicy(),
        observe=metrics.observe_ionos if metrics else None,
    )


@contextlib.asynccontextmanager
async def open_clients(settings: Settings, metrics: Metrics) -> AsyncIterator[Clients]:
    redis = redis_from(settings.redis_url)
    ionos = ionos_client(settings, metrics)
    try:
        yield Clients(
            redis=redis,
            slack=slack_client(settings),
            slack_once=slack_client(settings, retries=False),
            ionos=ionos,
        )
    finally:
        await ionos.aclose()
        await redis.aclose()
        await redis.connection_pool.disconnect()
