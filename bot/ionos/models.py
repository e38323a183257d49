"""Pydantic models of the IONOS Container Registry API (tokens and registries).

Field names follow the API's camelCase on the wire (``by_alias``); Python code uses
snake_case. Input models (what we send) are separate from output models (what we read).
The token password is a ``SecretStr`` from the moment the response is parsed: it never
shows in ``repr``, ``str``, ``model_dump`` or a log line. Output models ignore unknown
fields, so a newer API that adds properties does not break us.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_serializer

TOKEN_NAME_PATTERN = r"^[A-Za-z][-A-Za-z0-9]{0,61}[A-Za-z0-9]$"
REGISTRY_NAME_PATTERN = r"^[a-z][-a-z0-9]{1,61}[a-z0-9]$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"


class TokenStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class _In(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)


class Scope(BaseModel):
    """One repository scope of a token: which repositories (``*`` for all) and what actions."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    name: str
    type: str = "repository"
    actions: list[str] = Field(default_factory=list)

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> Scope:
        return cls(name=raw["name"], type=raw["type"], actions=list(raw.get("actions") or []))


class Credentials(_Out):
    username: str
    password: SecretStr = SecretStr("")


class Metadata(_Out):
    created_by: str | None = Field(default=None, alias="createdBy")
    created_by_user_id: str | None = Field(default=None, alias="createdByUserId")
    created_date: datetime | None = Field(default=None, alias="createdDate")
    last_modified_by: str | None = Field(default=None, alias="lastModifiedBy")
    last_modified_date: datetime | None = Field(default=None, alias="lastModifiedDate")
    state: str | None = None


class TokenProperties(_Out):
    name: str
    credentials: Credentials
    expiry_date: datetime | None = Field(default=None, alias="expiryDate")
    scopes: list[Scope] | None = None
    status: TokenStatus | None = None


class Token(_Out):
    """A token as the API returns it (GET, list item, PATCH; POST/PUT carry the password)."""

    id: str
    type: str | None = None
    href: str | None = None
    metadata: Metadata | None = None
    properties: TokenProperties

    @property
    def name(self) -> str:
        return self.properties.name

    @property
    def password(self) -> SecretStr:
        return self.properties.credentials.password

    @property
    def expiry_date(self) -> datetime | None:
        return self.properties.expiry_date

    @property
    def status(self) -> TokenStatus | None:
        return self.properties.status

    @property
    def scopes(self) -> list[Scope]:
        return list(self.properties.scopes or [])


class PaginationLinks(_Out):
    self_: str | None = Field(default=None, alias="self")
    next: str | None = None
    previous: str | None = None


class TokensPage(_Out):
    items: list[Token] | None = None
    offset: int
    limit: int
    count: int
    total: int
    links: PaginationLinks | None = Field(default=None, alias="_links")


class StorageUsage(_Out):
    bytes: int | None = None
    updated_at: datetime | None = Field(default=None, alias="updatedAt")


class RegistryProperties(_Out):
    name: str
    location: str
    hostname: str | None = None
    storage_usage: StorageUsage | None = Field(default=None, alias="storageUsage")


class Registry(_Out):
    id: str
    type: str | None = None
    href: str | None = None
    metadata: Metadata | None = None
    properties: RegistryProperties

    @property
    def name(self) -> str:
        return self.properties.name

    @property
    def hostname(self) -> str:
        """The docker host; falls back to the documented ``<name>.cr.ionos.com`` shape."""
        return self.properties.hostname or f"{self.properties.name}.cr.ionos.com"


class Pagination(_Out):
    limit: int
    token: str | None = None


class RegistriesPage(_Out):
    items: list[Registry] | None = None
    pagination: Pagination | None = None
    links: PaginationLinks | None = Field(default=None, alias="_links")


# ---- inputs -------------------------------------------------------------------------------


def _rfc3339(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("expiry dates must be timezone-aware")
    return value.isoformat().replace("+00:00", "Z")


class TokenSpec(_In):
    """Properties of a token to create (POST) or create-or-replace (PUT)."""

    name: str = Field(pattern=TOKEN_NAME_PATTERN)
    expiry_date: datetime | None = Field(default=None, alias="expiryDate")
    scopes: list[Scope] | None = None
    status: TokenStatus | None = None

    @field_serializer("expiry_date")
    def _dump_expiry(self, value: datetime | None) -> str | None:
        return _rfc3339(value)

    def to_body(self) -> dict[str, Any]:
        """The request body: ``{"properties": {...}}`` with unset optional fields left out."""
        props = self.model_dump(by_alias=True, exclude_unset=True, mode="json")
        return {"properties": props}


class TokenPatch(_In):
    """A PATCH body (flat, no ``properties`` wrapper). Only the fields set are sent;
    an explicit ``expiry_date=None`` removes the expiry."""

    expiry_date: datetime | None = Field(default=None, alias="expiryDate")
    scopes: list[Scope] | None = None
    status: TokenStatus | None = None

    @field_serializer("expiry_date")
    def _dump_expiry(self, value: datetime | None) -> str | None:
        return _rfc3339(value)

    def to_body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


__all__ = [
    "REGISTRY_NAME_PATTERN",
    "TOKEN_NAME_PATTERN",
    "UUID_PATTERN",
    "Credentials",
    "Metadata",
    "PaginationLinks",
    "RegistriesPage",
    "Registry",
    "Scope",
    "Token",
    "TokenPatch",
    "TokenProperties",
    "TokenSpec",
    "TokenStatus",
    "TokensPage",
]
