"""State of the IONOS stand-in: registries and tokens, the rules their fields obey, their JSON.

Parsing here is the server side of the contract: it takes the JSON a client sent and either
returns clean values or raises `ApiError` (status, error code, message), which the HTTP layer
renders as the spec's ``ApiErrorResponse``. Nothing in this module does I/O.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

TOKEN_NAME_RE = re.compile(r"^[A-Za-z][-A-Za-z0-9]{0,61}[A-Za-z0-9]$")
REGISTRY_NAME_RE = re.compile(r"^[a-z][-a-z0-9]{1,61}[a-z0-9]$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# RFC 3339 date-time; the offset (Z or +hh:mm) is mandatory, unlike in ISO 8601.
RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
SCOPE_ACTIONS = frozenset({"pull", "push", "delete"})
STATUSES = frozenset({"enabled", "disabled"})
MIN_EXPIRY_AHEAD = timedelta(hours=1)


class ApiError(Exception):
    """An answer other than success, with the spec's error body fields."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {
            "httpStatus": self.status,
            "messages": [{"errorCode": self.code, "message": self.message}],
        }


@dataclass
class Audit:
    """Who made or last changed a resource, and when (the API's ``metadata``)."""

    created_by: str
    created_date: datetime
    last_modified_by: str | None = None
    last_modified_date: datetime | None = None


@dataclass
class FakeToken:
    id: str
    name: str
    expiry: datetime | None
    scopes: list[dict[str, Any]]
    status: str
    password: str = field(repr=False)
    audit: Audit = field(repr=False)


@dataclass
class FakeRegistry:
    id: str
    name: str
    location: str
    hostname: str
    created: datetime
    tokens: dict[str, FakeToken] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class TokenFields:
    """Validated token properties from a request; ``None`` in a PATCH means "not sent"."""

    name: str | None = None
    expiry: datetime | None = None
    expiry_sent: bool = False
    scopes: list[dict[str, Any]] | None = None
    status: str | None = None


@functools.lru_cache(maxsize=1024)
def user_id(principal: str) -> str:
    """A stable user id per principal (cached: a page of 100 tokens asks for it 200 times, and
    the stand-in's answer time is part of what the sweep benchmark measures)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ionos-fake:{principal}"))


def normalize_id(raw: str, what: str) -> str:
    if not UUID_RE.match(raw):
        raise ApiError(400, "INVALID_ID", f"{what} {raw!r} is not a UUID")
    return raw.lower()


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_expiry(raw: Any, now: datetime) -> datetime | None:
    """``null`` means no expiry; otherwise an RFC 3339 date-time at least 1 h ahead."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not RFC3339_RE.match(raw):
        raise ApiError(
            400, "INVALID_EXPIRY_DATE", "expiryDate must be an RFC 3339 date-time with offset"
        )
    when = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
    if when < now + MIN_EXPIRY_AHEAD:
        raise ApiError(400, "INVALID_EXPIRY_DATE", "expiryDate must be at least 1 hour ahead")
    return when


def parse_scopes(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise ApiError(400, "INVALID_SCOPES", "scopes must be an array of scope objects")
    scopes: list[dict[str, Any]] = []
    for i, scope in enumerate(raw):
        where = f"scopes[{i}]"
        if not isinstance(scope, dict):
            raise ApiError(400, "INVALID_SCOPES", f"{where} must be an object")
        name, kind, actions = scope.get("name"), scope.get("type"), scope.get("actions", ...)
        if not isinstance(name, str) or not name:
            raise ApiError(400, "INVALID_SCOPES", f"{where}.name must be a non-empty string")
        if not isinstance(kind, str) or not kind:
            raise ApiError(400, "INVALID_SCOPES", f"{where}.type must be a non-empty string")
        if actions is ...:
            raise ApiError(400, "INVALID_SCOPES", f"{where}.actions is required")
        actions = [] if actions is None else actions
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise ApiError(400, "INVALID_SCOPES", f"{where}.actions must be an array of strings")
        unknown = sorted(set(actions) - SCOPE_ACTIONS)
        if unknown:
            raise ApiError(400, "INVALID_SCOPES", f"{where}.actions: unknown {unknown}")
        scopes.append({"name": name, "type": kind, "actions": list(actions)})
    return scopes


def parse_status(raw: Any) -> str:
    if raw not in STATUSES:
        raise ApiError(400, "INVALID_STATUS", "status must be 'enabled' or 'disabled'")
    return str(raw)


def check_token_name(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ApiError(400, "INVALID_TOKEN_NAME", "properties.name is required (a string)")
    if not TOKEN_NAME_RE.match(raw):
        raise ApiError(
            400,
            "INVALID_TOKEN_NAME",
            f"token name {raw!r} must match {TOKEN_NAME_RE.pattern} "
            "(2-63 letters, digits or dashes; a letter first, no dash last)",
        )
    return raw


def parse_token_input(body: Any, now: datetime) -> TokenFields:
    """A POST/PUT body: ``{"properties": {name, expiryDate?, scopes?, status?}}``."""
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        raise ApiError(400, "INVALID_BODY", 'the body must be {"properties": {...}}')
    props = body["properties"]
    name = check_token_name(props.get("name"))
    scopes = props.get("scopes")
    status = props.get("status")
    return TokenFields(
        name=name,
        expiry=parse_expiry(props.get("expiryDate"), now),
        expiry_sent=True,
        scopes=[] if scopes is None else parse_scopes(scopes),
        status="enabled" if status is None else parse_status(status),
    )


def parse_token_patch(body: Any, now: datetime) -> TokenFields:
    """A flat PATCH body. Explicit ``expiryDate: null`` removes the expiry; ``scopes: null``
    leaves the scopes as they are (``[]`` empties them)."""
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_BODY", "the body must be a JSON object")
    scopes = body.get("scopes")
    return TokenFields(
        expiry=parse_expiry(body["expiryDate"], now) if "expiryDate" in body else None,
        expiry_sent="expiryDate" in body,
        scopes=None if scopes is None else parse_scopes(scopes),
        status=parse_status(body["status"]) if "status" in body else None,
    )


def parse_window(query: Any, *, max_limit: int) -> tuple[int, int]:
    """``offset`` and ``limit`` query strings (defaults "0" and "100"; limit capped)."""
    try:
        offset = int(query.get("offset", "0"))
        limit = int(query.get("limit", "100"))
    except ValueError:
        raise ApiError(400, "INVALID_PAGINATION", "offset and limit must be integers") from None
    if offset < 0 or limit < 1:
        raise ApiError(400, "INVALID_PAGINATION", "offset must be >= 0 and limit >= 1")
    return offset, min(limit, max_limit)


def metadata(audit: Audit, state: str) -> dict[str, Any]:
    modified_by = audit.last_modified_by or audit.created_by
    return {
        "createdBy": audit.created_by,
        "createdByUserId": user_id(audit.created_by),
        "createdDate": rfc3339(audit.created_date),
        "lastModifiedBy": modified_by,
        "lastModifiedByUserId": user_id(modified_by),
        "lastModifiedDate": rfc3339(audit.last_modified_date or audit.created_date),
        "state": state,
    }


def token_json(token: FakeToken, href: str, *, with_password: bool = False) -> dict[str, Any]:
    return {
        "id": token.id,
        "type": "token",
        "href": href,
        "metadata": metadata(token.audit, token.status),
        "properties": {
            "name": token.name,
            "credentials": {
                "username": token.name,
                "password": token.password if with_password else "",
            },
            "expiryDate": rfc3339(token.expiry) if token.expiry else None,
            "scopes": [dict(s, actions=list(s["actions"])) for s in token.scopes],
            "status": token.status,
        },
    }


def registry_json(registry: FakeRegistry, href: str) -> dict[str, Any]:
    # No garbageCollectionSchedule: it is optional, and its documented time "01:23:00+00:00"
    # fails the OpenAPI 3.0 "time" format checker (draft-3 HH:MM:SS), so the contract tests
    # could not tell a real fault from that spec inconsistency.
    return {
        "id": registry.id,
        "type": "registry",
        "href": href,
        "metadata": metadata(Audit("fake-user", registry.created), "Running"),
        "properties": {
            "name": registry.name,
            "location": registry.location,
            "hostname": registry.hostname,
            "storageUsage": {"bytes": 0, "updatedAt": rfc3339(registry.created)},
        },
    }
