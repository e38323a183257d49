"""Redis failures become one domain error at the store's edge.

Every public coroutine (and async iterator) of a store class decorated with
`translates_redis_errors` turns a `redis.exceptions.RedisError` into
`bot.domain.errors.StoreUnavailable`, with the original as its cause, so the layers above catch
domain errors only and word the failure once (`handlers/reporting.py`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from redis.exceptions import RedisError

from bot.domain.errors import StoreUnavailable

T = TypeVar("T", bound=type)


def _coroutine(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def translated(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except RedisError as exc:
            raise StoreUnavailable() from exc

    return translated


def _generator(method: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
    @functools.wraps(method)
    async def translated(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        try:
            async for item in method(*args, **kwargs):
                yield item
        except RedisError as exc:
            raise StoreUnavailable() from exc

    return translated


def translates_redis_errors(cls: T) -> T:
    """Wrap the public async methods of a store class (see the module docstring)."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") and name not in ("__aenter__", "__aexit__"):
            continue
        if inspect.iscoroutinefunction(member):
            setattr(cls, name, _coroutine(member))
        elif inspect.isasyncgenfunction(member):
            setattr(cls, name, _generator(member))
    return cls
