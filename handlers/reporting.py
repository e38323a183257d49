"""Errors handled in one place: after `ack()`, nothing may escape a listener.

Known errors become plain words for the person who clicked; unknown ones are logged and
the person is told it failed on our side. A change Redis's replicas did not confirm in time
(`NotReplicated`, `REDIS_MIN_REPLICAS_ACK`) carries its own words — try again, it never applies
twice — and is logged as a warning. (An exception escaping a Bolt listener within
milliseconds of its ack makes Bolt answer 404 after 3 s — see docs/ — so every listener's
post-ack work runs inside `reporting`.)
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError

from bot.domain.errors import NotReplicated, RegbotError
from bot.ionos.errors import IonosError, IonosUnavailable, RateLimited, ServerError
from handlers.views.tokens import error_message

log = logging.getLogger(__name__)

Reply = Callable[[dict[str, Any]], Awaitable[object]]

REDIS_DOWN = (
    "regbot's database is unreachable right now, so nothing was changed. "
    "Please try again in a minute."
)


def words_for(error: BaseException) -> str:
    if isinstance(error, RegbotError):
        return error.user_message
    if isinstance(error, RedisError):
        return REDIS_DOWN
    if isinstance(error, IonosUnavailable):
        return "The IONOS API did not answer. Nothing was changed; try again in a minute."
    if isinstance(error, ServerError | RateLimited):
        return (
            f"The IONOS API failed ({error.summary}). Nothing was changed; try again in a minute."
        )
    if isinstance(error, IonosError):
        return f"The IONOS API refused: {error.summary}"
    return "Something went wrong on regbot's side. It has been logged; please try again."


@asynccontextmanager
async def reporting(reply: Reply, *, what: str) -> AsyncIterator[None]:
    try:
        yield
    except Exception as error:
        if isinstance(error, NotReplicated):  # worded by the store; the operator should know
            log.warning("change not confirmed by Redis replicas", extra={"what": what})
        elif isinstance(error, RegbotError):
            log.info("refused", extra={"what": what, "reason": type(error).__name__})
        elif isinstance(error, RedisError | IonosError | SlackApiError):
            log.warning("dependency failed", extra={"what": what, "error": repr(error)})
        else:
            log.exception("listener failed", extra={"what": what})
        try:
            await reply(error_message(words_for(error)))
        except Exception:  # noqa: BLE001 - telling the user failed too; the log has it
            log.warning("could not tell the user", extra={"what": what})
