"""Errors raised by the IONOS client. Every failure of a call is one of these:

    IonosError                    base; ``status`` is the HTTP status or None
    ├── IonosApiError             the API answered with an error status
    │   ├── BadRequest            400/422: ``messages`` holds the API's [{errorCode, message}]
    │   ├── Unauthorized          401: credentials missing or wrong
    │   ├── Forbidden             403: the credentials may not do this
    │   ├── NotFound              404: no such registry or token
    │   ├── Conflict              409: e.g. a token of that name exists
    │   ├── RateLimited           429: ``retry_after`` seconds, when the API said
    │   └── ServerError           5xx
    └── IonosUnavailable          no usable answer: timeout, connection refused or reset.
        └── IonosTimeout          the call timed out (a POST may or may not have happened)

Messages name the method, the path and the API's own words; they never carry request
bodies, headers or credentials.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiMessage:
    error_code: str
    message: str


class IonosError(Exception):
    status: int | None = None

    def __init__(self, summary: str, *, method: str = "", path: str = "") -> None:
        self.summary = summary
        self.method = method
        self.path = path
        where = f"{method} {path}: " if method else ""
        super().__init__(f"{where}{summary}")


class IonosApiError(IonosError):
    def __init__(
        self,
        status: int,
        messages: tuple[ApiMessage, ...] = (),
        *,
        method: str = "",
        path: str = "",
    ) -> None:
        self.status = status
        self.messages = messages
        text = "; ".join(m.message for m in messages) or f"HTTP {status}"
        super().__init__(text, method=method, path=path)


class BadRequest(IonosApiError):
    pass


class Unauthorized(IonosApiError):
    pass


class Forbidden(IonosApiError):
    pass


class NotFound(IonosApiError):
    pass


class Conflict(IonosApiError):
    pass


class RateLimited(IonosApiError):
    def __init__(
        self,
        status: int,
        messages: tuple[ApiMessage, ...] = (),
        *,
        retry_after: float | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status, messages, method=method, path=path)


class ServerError(IonosApiError):
    pass


class IonosUnavailable(IonosError):
    pass


class IonosTimeout(IonosUnavailable):
    pass


def error_for_status(
    status: int,
    messages: tuple[ApiMessage, ...],
    *,
    retry_after: float | None = None,
    method: str = "",
    path: str = "",
) -> IonosApiError:
    """The exception that stands for an error status."""
    if status == 429:
        return RateLimited(status, messages, retry_after=retry_after, method=method, path=path)
    kinds: dict[int, type[IonosApiError]] = {
        400: BadRequest,
        422: BadRequest,
        401: Unauthorized,
        403: Forbidden,
        404: NotFound,
        409: Conflict,
    }
    kind = kinds.get(status, ServerError if status >= 500 else IonosApiError)
    return kind(status, messages, method=method, path=path)
