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
    ├── IonosUnavailable          no usable answer: timeout, connection refused or reset.
    │   └── IonosTimeout          the call timed out (a POST may or may not have happened)
    └── UnexpectedResponse        a success status whose body is not what the API promises

Messages name the method, the path and the API's own words; they never carry request
bodies, headers or credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_CHARS = 300


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


class UnexpectedResponse(IonosError):
    """A 2xx answer we cannot read (not JSON, or not the documented shape)."""


def messages_from_body(body: Any) -> tuple[ApiMessage, ...]:
    """The API's own words from an error body, whatever its shape.

    ``{"httpStatus": 400, "messages": [{"errorCode": "…", "message": "…"}]}`` is the
    documented form; gateway answers such as ``{"msg": "Not Found"}`` and anything else
    are tolerated (an unreadable body gives no messages). Each message is cut short so a
    misbehaving server cannot flood an exception text.
    """
    if not isinstance(body, dict):
        return ()
    found: list[ApiMessage] = []
    raw = body.get("messages")
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and isinstance(item.get("message"), str):
                code = item.get("errorCode")
                found.append(ApiMessage(str(code) if code is not None else "", item["message"]))
    for key in ("msg", "message", "error"):
        if not found and isinstance(body.get(key), str):
            found.append(ApiMessage("", body[key]))
    return tuple(
        ApiMessage(m.error_code[:64], _shorten(m.message)) for m in found if m.message.strip()
    )


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


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
