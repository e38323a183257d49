"""The policy file's field types: Slack ids, registry names and durations like ``14d``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer

USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,20}$")
GROUP_ID_RE = re.compile(r"^S[A-Z0-9]{2,20}$")
CHANNEL_ID_RE = re.compile(r"^[CG][A-Z0-9]{2,20}$")
REGISTRY_NAME_RE = re.compile(r"^[a-z][-a-z0-9]{1,61}[a-z0-9]$")  # as the IONOS API has it
_DURATION_RE = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


# durations ------------------------------------------------------------------------------
def parse_duration(value: object) -> timedelta:
    """``"14d"``, ``"3h"`` or ``"30m"`` (a timedelta passes through) -> a positive timedelta."""
    if isinstance(value, timedelta):
        delta = value
    elif isinstance(value, str) and (match := _DURATION_RE.match(value)):
        delta = int(match[1]) * _UNITS[match[2]]
    else:
        raise ValueError(f"{value!r} is not a duration like 14d, 3d, 1h or 30m")
    if delta <= timedelta(0) or delta % timedelta(minutes=1):
        raise ValueError(f"{value!r} must be a positive whole number of minutes")
    return delta


def format_duration(delta: timedelta) -> str:
    """The inverse of `parse_duration`: the largest unit that divides evenly (1d, 36h, 90m)."""
    for unit, size in _UNITS.items():
        if delta % size == timedelta(0):
            return f"{delta // size}{unit}"
    raise ValueError(f"{delta} is not a whole number of minutes")


# field types ----------------------------------------------------------------------------
def _approver_id(value: str) -> str:
    if not (USER_ID_RE.match(value) or GROUP_ID_RE.match(value)):
        raise ValueError(f"{value!r} is not a Slack user id (U…, W…) or user-group id (S…)")
    return value


def _channel_id(value: str) -> str:
    if not CHANNEL_ID_RE.match(value):
        raise ValueError(f"{value!r} is not a Slack channel id (C… or G…)")
    return value


def _registry_name(value: str) -> str:
    if not REGISTRY_NAME_RE.match(value):
        raise ValueError(f"{value!r} is not a registry name (3-63 lowercase letters, digits, -)")
    return value


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _longest_first(values: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
    return tuple(sorted(set(values), reverse=True))


Count = Annotated[int, Field(strict=True, ge=1)]
Amount = Annotated[int, Field(strict=True, ge=0)]
ApproverId = Annotated[str, AfterValidator(_approver_id)]
Approvers = Annotated[tuple[ApproverId, ...], AfterValidator(_unique)]
ChannelId = Annotated[str, AfterValidator(_channel_id)]
RegistryName = Annotated[str, AfterValidator(_registry_name)]
Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]
Thresholds = Annotated[tuple[Duration, ...], AfterValidator(_longest_first)]
