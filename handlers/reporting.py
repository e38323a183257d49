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

from slack_sdk.errors import SlackApiError

from bot.domain.errors import NotReplicated, RegbotError, ServiceUnavailable
from bot.ionos.errors import IonosError
from bot.services.words import ionos_failure
from handlers.views.tokens import error_message

log = logging.getLogger(__name__)

Reply = Callable[[dict[str, Any]], Awaitable[object]]


def words_for(error: BaseException) -> str:
    if isinstance(error, RegbotError):
        return error.user_message
    if isinstance(error, IonosError):
        return ionos_failure(error)
    return "Something went wrong on regbot's side. It has been logged; please try again."


def people_in(error: BaseException) -> tuple[str, ...]:
    """The users regbot itself mentions in the error's words (their mentions stay live)."""
    return error.people if isinstance(error, RegbotError) else ()


@asynccontextmanager
async def reporting(reply: Reply, *, what: str) -> AsyncIterator[None]:
    try:
        yield
    except Exception as error:
        if isinstance(error, NotReplicated):  # worded by the store; the operator should know
            log.warning("change not confirmed by Redis replicas", extra={"what": what})
        elif isinstance(error, ServiceUnavailable | IonosError | SlackApiError):
            cause = error.__cause__ or error
            log.warning("dependency failed", extra={"what": what, "error": repr(cause)})
        elif isinstance(error, RegbotError):
            log.info("refused", extra={"what": what, "reason": type(error).__name__})
        else:
            log.exception("listener failed", extra={"what": what})
        try:
            await reply(error_message(words_for(error), people=people_in(error)))
        except Exception:  # noqa: BLE001 - telling the user failed too; the log has it
            log.warning("could not tell the user", extra={"what": what})
