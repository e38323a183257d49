"""One IONOS call as the client makes it: gate, pace, send, map, retry.

Order of events for every attempt::

    semaphore (max_in_flight)  ->  pacer slot  ->  httpx, inside asyncio.timeout(timeout)

The semaphore is taken *before* the request reaches httpx: requests waiting on it cost the
event loop nothing, while requests queued inside httpx's pool burn CPU and delay every
other coroutine (reliability notes §9). Backoff sleeps happen outside the semaphore. The
whole call, retries and waits included, is bounded by ``RetryPolicy.deadline`` because
httpx has no total timeout of its own.

One DEBUG line per attempt on ``bot.ionos``: method, path, status, elapsed, attempt —
never a body, a header or a query value. An optional ``observe(method, status, seconds)``
callback sees the same attempt (status None when no answer came): the metrics' seam.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot import __version__
from bot.ionos.errors import (
    IonosError,
    IonosTimeout,
    IonosUnavailable,
    UnexpectedResponse,
    error_for_status,
    messages_from_body,
)
from bot.ionos.pacing import Pacer, SharedPace
from bot.ionos.retry import RetryPolicy, is_retryable, parse_retry_after

log = logging.getLogger("bot.ionos")

M = TypeVar("M", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]
Observer = Callable[[str, int | None, float], None]


class Requester:
    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        *,
        contract_number: int | None,
        timeout: float,
        max_in_flight: int,
        rate_per_second: float | None,
        retry: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None,
        sleep: Sleep,
        clock: Callable[[], float],
        observe: Observer | None = None,
        shared_pace: SharedPace | None = None,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        headers = {"User-Agent": f"regbot/{__version__}", "Accept": "application/json"}
        if contract_number is not None:
            headers["X-Contract-Number"] = str(contract_number)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            auth=auth,
            headers=headers,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(
                max_connections=max_in_flight, max_keepalive_connections=max_in_flight
            ),
            transport=transport,
            follow_redirects=False,
        )
        self._timeout = timeout
        self._gate = asyncio.Semaphore(max_in_flight)
        self._retry = retry
        self._sleep = sleep
        self._clock = clock
        self._observe = observe
        self._rng = random.Random()  # noqa: S311 - jitter, not a secret
        self.pacer = (
            Pacer(rate_per_second, sleep=sleep, clock=clock, acquire=shared_pace)
            if rate_per_second
            else None
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        ok_on_retry: Collection[int] = (),
    ) -> httpx.Response:
        """Send with retries; return the 2xx answer (or one in ``ok_on_retry`` on a retry)."""
        try:
            async with asyncio.timeout(self._retry.deadline):
                return await self._retrying(method, path, params, json, ok_on_retry)
        except TimeoutError:
            pass  # raised outside the handler so no exception context trails along
        raise IonosTimeout(
            f"no answer within the {self._retry.deadline:g} s deadline", method=method, path=path
        )

    async def _retrying(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json: Any,
        ok_on_retry: Collection[int],
    ) -> httpx.Response:
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            error: IonosError
            asked: float | None = None  # Retry-After, on a 429 or a 503 alike
            try:
                response = await self._attempt(method, path, params, json, attempt)
            except IonosUnavailable as exc:
                error = exc
            else:
                if response.is_success or (attempt > 1 and response.status_code in ok_on_retry):
                    return response
                asked = parse_retry_after(response.headers.get("Retry-After"))
                error = self._error(method, path, response, asked)
            if attempt >= self._retry.attempts or not is_retryable(method, error):
                raise error
            wait = self._retry.backoff(attempt - 1, asked, self._rng)
            if self._clock() - started + wait >= self._retry.deadline:
                raise error  # the deadline would pass before the server lets us back in
            await self._sleep(wait)

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json: Any,
        attempt: int,
    ) -> httpx.Response:
        async with self._gate:
            if self.pacer is not None:
                await self.pacer.wait()
            began = time.perf_counter()
            result: httpx.Response | IonosUnavailable
            try:
                async with asyncio.timeout(self._timeout):
                    result = await self._http.request(method, path, params=params, json=json)
            except (TimeoutError, httpx.TimeoutException):
                result = IonosTimeout(
                    f"no answer within {self._timeout:g} s", method=method, path=path
                )
            except httpx.RequestError as exc:
                result = IonosUnavailable(
                    f"no answer ({type(exc).__name__})", method=method, path=path
                )
            elapsed = time.perf_counter() - began
            log.debug(
                "%s %s -> %s in %.1f ms (attempt %d)",
                method,
                path,
                result.status_code if isinstance(result, httpx.Response) else result.summary,
                elapsed * 1000,
                attempt,
            )
        if self._observe is not None:
            status = result.status_code if isinstance(result, httpx.Response) else None
            self._observe(method, status, elapsed)
        if isinstance(result, IonosUnavailable):
            raise result  # outside the handler: the httpx error (and its request) is not chained
        return result

    @staticmethod
    def _error(
        method: str, path: str, response: httpx.Response, retry_after: float | None
    ) -> IonosError:
        try:
            body = response.json()
        except ValueError:
            body = None
        return error_for_status(
            response.status_code,
            messages_from_body(body),
            retry_after=retry_after,
            method=method,
            path=path,
        )


def parse(model: type[M], response: httpx.Response, method: str, path: str) -> M:
    """The body as ``model``; a body that does not fit raises `UnexpectedResponse`.

    The pydantic error is not chained: its text would quote the input, password included.
    """
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) or "body" for e in exc.errors()[:3])
    raise UnexpectedResponse(
        f"unreadable {model.__name__} in the answer ({fields})", method=method, path=path
    )


__all__ = ["Observer", "Requester", "parse"]
