"""The three clients regbot opens — Redis, the Slack Web API, the IONOS API — built from the
settings, and closed together when the bot stops. Nothing else builds a client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
from pydantic import SecretStr
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.ionos.auth import auth_from
from bot.ionos.client import IonosClient
from bot.ionos.retry import RetryPolicy
from bot.runtime.ionos_transport import aiohttp_transport, proxy_for
from bot.runtime.metrics import Metrics
from bot.runtime.redis_settings import RedisSettings
from bot.runtime.settings import Settings
from bot.store.keys import Keys
from bot.store.pace import RedisPace


@dataclass(frozen=True)
class Clients:
    redis: Redis
    slack: AsyncWebClient
    # the sweep's messages: no retries (a failed post is left for the next sweep)
    slack_once: AsyncWebClient
    ionos: IonosClient


def redis_from(settings: RedisSettings, *, socket_timeout: float = 1.0) -> Redis:
    """The one Redis client of a process: short timeouts and few retries, so an outage is
    reported within Slack's 3 seconds.

    Behind Sentinel (`REDIS_SENTINELS`), redis-py's own `Sentinel.master_for`: every new
    connection asks the sentinels where the master is, and a connection to a master that
    was demoted is dropped (`ReadOnlyError` becomes a `ConnectionError`), so after a failover
    the next commands reach the new master without a restart. Otherwise `REDIS_URL`, a
    pool that waits for a free connection instead of failing under bursts.
    """
    password = settings.redis_password.get_secret_value() if settings.redis_password else None
    common: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": 1.0,
        "retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.3), retries=2),
    }
    if password is not None:
        common["password"] = password
    if settings.uses_sentinel:
        sentinel_password = settings.redis_sentinel_password
        sentinel = Sentinel(  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
            settings.sentinels,
            sentinel_kwargs={
                "socket_timeout": 0.5,
                "socket_connect_timeout": 0.5,
                # no retries per sentinel: discovery asks the next one (redis-py's default
                # retries with backoff made 25 s of a sweep over dead sentinels)
                "retry": Retry(NoBackoff(), 0),
                "password": sentinel_password.get_secret_value() if sentinel_password else None,
            },
            **common,
        )
        # SentinelConnectionPool opens a connection per concurrent command, unbounded
        master: Redis = sentinel.master_for(settings.redis_sentinel_master or "", redis_class=Redis)
        return master
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=64,
        # waiting for a free connection under a burst is normal; the pre-ack paths are
        # bounded on their own (handlers/listeners/submissions.py), so this can be generous
        timeout=5.0,
        **common,
    )
    return Redis(connection_pool=pool)


def slack_client(
    settings: Settings,
    *,
    retries: bool = True,
    timeout: int = 30,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """``retries=False`` for the sweep's messages: a failed post is left for the next sweep
    (no sleeping through Retry-After, no duplicate after a lost answer). Without `session`,
    slack_sdk opens (and closes) a new aiohttp session, so a new connection, for every call."""
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=timeout,
        session=session,
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
    redis: Redis | None = None,
    *,
    timeout: float | None = None,
    retry: RetryPolicy | None = None,
) -> IonosClient:
    """With `redis`, ``IONOS_RATE_PER_SECOND`` is one budget for all replicas (`RedisPace`);
    the in-flight bound (``IONOS_MAX_IN_FLIGHT``) stays per process. `regbot check-config`
    asks for a short timeout and no retries."""
    rate = settings.ionos_rate_per_second
    shared = None
    if rate is not None and redis is not None:
        shared = RedisPace(redis, Keys(namespace=settings.regbot_namespace), rate).acquire
    return IonosClient(
        settings.ionos_api_url,
        auth_from(settings.ionos_token, settings.ionos_username, settings.ionos_password),
        contract_number=settings.ionos_contract_number,
        timeout=timeout or settings.ionos_timeout_seconds,
        max_in_flight=settings.ionos_max_in_flight,
        rate_per_second=settings.ionos_rate_per_second,
        retry=retry or RetryPolicy(),
        observe=metrics.observe_ionos if metrics else None,
        shared_pace=shared,
        transport=aiohttp_transport(settings.ionos_max_in_flight, ionos_proxy(settings)),
    )


def ionos_proxy(settings: Settings) -> str | None:
    def value(secret: SecretStr | None) -> str | None:
        return secret.get_secret_value() if secret is not None else None

    return proxy_for(
        settings.ionos_api_url,
        https_proxy=value(settings.https_proxy),
        http_proxy=value(settings.http_proxy),
        no_proxy=settings.no_proxy,
    )


def slack_session(timeout: int = 30) -> aiohttp.ClientSession:
    """One aiohttp session for the Web API clients, so calls reuse their connections (a new
    session per call, slack_sdk's default, cost a TCP connect and a session per Slack call:
    ~10 calls per request flow). ``timeout`` bounds each call, as the client's own would.
    aiohttp's silent resend of an idempotent request on a dropped pooled connection is off:
    the clients' retry handlers decide (the sweep's client never retries). Replies on a
    ``response_url`` use it too (`handlers.respond`): it keeps no cookies, so nothing one Slack
    host answers is ever sent to another. No ``trust_env``: slack_sdk reads HTTPS_PROXY /
    HTTP_PROXY itself and passes the proxy with every call; aiohttp's would add a ~/.netrc read
    and a proxy look-up in a worker thread per call (docs/performance.md, #17)."""
    session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout),
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )
    session._retry_connection = False  # no public switch in aiohttp 3.x
    return session


@contextlib.asynccontextmanager
async def open_clients(settings: Settings, metrics: Metrics) -> AsyncIterator[Clients]:
    redis = redis_from(settings)
    ionos = ionos_client(settings, metrics, redis)
    session = slack_session()
    try:
        yield Clients(
            redis=redis,
            slack=slack_client(settings, session=session),
            slack_once=slack_client(settings, retries=False, session=session),
            ionos=ionos,
        )
    finally:
        await session.close()
        await ionos.aclose()
        await redis.aclose()
        await redis.connection_pool.disconnect()
