"""Plain words for states and times, shared by services and view builders (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.errors import AlreadyDecided
from bot.domain.models import RepoScope, RequestState, TokenRequest
from bot.ionos.errors import IonosError, IonosUnavailable, RateLimited, ServerError


def when(at: datetime) -> str:
    """``2026-12-01 09:00 UTC``."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def clock_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%H:%M UTC")


def relative(at: datetime, now: datetime) -> str:
    """``in 3 days``, ``in 5 hours``, ``in 20 minutes``, ``3 days ago``."""
    seconds = (at - now).total_seconds()
    ahead = seconds >= 0
    seconds = abs(seconds)
    if seconds >= 2 * 86400:
        amount = f"{round(seconds / 86400)} days"
    elif seconds >= 86400:
        amount = "1 day"
    elif seconds >= 2 * 3600:
        amount = f"{round(seconds / 3600)} hours"
    elif seconds >= 3600:
        amount = "1 hour"
    else:
        minutes = max(1, round(seconds / 60))
        amount = "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"in {amount}" if ahead else f"{amount} ago"


def expiry_words(expiry: datetime | None, now: datetime) -> str:
    """``in 3 days, on 2026-12-01 09:00 UTC`` — or ``never``."""
    if expiry is None:
        return "never"
    return f"{relative(expiry, now)}, on {when(expiry)}"


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def describe_state(request: TokenRequest) -> str:
    """What happened to a request, for someone clicking late: "already approved by @x at 14:02"."""
    by = f" by {mention(request.decided_by)}" if request.decided_by else ""
    at = f" at {clock_time(request.decided_at)}" if request.decided_at else ""
    match request.state:
        case RequestState.PENDING:
            return "This request is still waiting for a decision."
        case RequestState.APPROVED | RequestState.COLLECTING:
            return f"This request was already approved{by}{at}."
        case RequestState.DENIED:
            return f"This request was already denied{by}{at}."
        case RequestState.COLLECTED:
            return f"This request was approved{by}{at} and its token has been collected."
        case RequestState.EXPIRED:
            return "This request has expired."
        case RequestState.CANCELLED if request.review == "revoked":
            return "This break-glass request was revoked by an approver."
        case RequestState.CANCELLED:
            return "This request was withdrawn by the requester."


def ionos_failure(error: IonosError, *, outcome: str = "Nothing was changed") -> str:
    """The one wording of an IONOS failure, for every place a person is told of one."""
    if isinstance(error, IonosUnavailable):
        return f"The IONOS API did not answer. {outcome}; try again in a minute."
    if isinstance(error, ServerError | RateLimited):
        return f"The IONOS API failed ({error.summary}). {outcome}; try again in a minute."
    return f"The IONOS API refused: {error.summary}"


def already_decided(request: TokenRequest) -> AlreadyDecided:
    """`describe_state` as the error for a late click; the decider's mention stays live."""
    people = (request.decided_by,) if request.decided_by else ()
    return AlreadyDecided(describe_state(request), people=people)


def scope_words(scope: RepoScope) -> str:
    """`` `team/app`: pull, push `` — plain words (views use `handlers.views.text.scope_line`)."""
    return f"`{scope.repository}`: {', '.join(a.value for a in scope.sorted_actions())}"


def ask_words(request: TokenRequest, now: datetime) -> str:
    """What a request asks for now, on one line: its scopes and its expiry."""
    scopes = "; ".join(scope_words(s) for s in request.ask.scopes)
    return f"{scopes}; expires {expiry_words(request.ask.expiry, now)}"


def changed_meanwhile(request: TokenRequest, now: datetime) -> str:
    """Why an approval made from an older version of the request was not recorded."""
    return (
        "Another approver narrowed this request while you were deciding, so your decision was "
        f"not recorded. It now asks for {ask_words(request, now)}. Review it again to decide "
        "on what it asks now."
    )
