"""The pure parts of the client: backoff, what is retried, Retry-After, pacing, error bodies."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ionos.errors import (
    BadRequest,
    Conflict,
    IonosTimeout,
    IonosUnavailable,
    NotFound,
    RateLimited,
    ServerError,
    error_for_status,
    messages_from_body,
)
from bot.ionos.pacing import Pacer
from bot.ionos.retry import RetryPolicy, is_retryable, parse_retry_after

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(
    retry=st.integers(min_value=0, max_value=60),
    retry_after=st.none() | st.floats(min_value=0, max_value=3600),
    seed=st.integers(),
)
def test_backoff_is_full_jitter_below_the_cap_and_never_below_retry_after(
    retry: int, retry_after: float | None, seed: int
) -> None:
    policy = RetryPolicy(base=0.1, cap=5.0)
    wait = policy.backoff(retry, retry_after, random.Random(seed))
    ceiling = min(policy.cap, policy.base * 2**retry)
    if retry_after is None:
        assert 0.0 <= wait <= ceiling
    else:
        assert retry_after <= wait <= max(ceiling, retry_after)


def test_retry_policy_none_is_a_single_attempt() -> None:
    assert RetryPolicy.none().attempts == 1
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)


@pytest.mark.parametrize(
    ("method", "error", "expected"),
    [
        ("GET", ServerError(503), True),
        ("GET", ServerError(500), True),
        ("PUT", ServerError(500), False),
        ("DELETE", ServerError(502), True),
        ("PATCH", ServerError(504), True),
        ("PUT", RateLimited(429), True),
        ("POST", RateLimited(429), False),
        ("POST", ServerError(503), False),
        ("POST", IonosUnavailable("refused"), False),
        ("GET", IonosTimeout("slow"), True),
        ("GET", NotFound(404), False),
        ("PUT", Conflict(409), False),
        ("GET", BadRequest(400), False),
    ],
)
def test_what_is_retried(method: str, error: Any, expected: bool) -> None:
    assert is_retryable(method, error) is expected


def test_retry_after_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


async def test_pacer_spaces_starts_without_waiting_for_real() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    pacer = Pacer(4.0, sleep=sleep, clock=lambda: 100.0)  # the clock never moves
    for _ in range(5):
        await pacer.wait()
    assert list(pacer.slots) == [100.0, 100.25, 100.5, 100.75, 101.0]
    assert waits == [0.25, 0.5, 0.75, 1.0]


async def test_pacer_does_not_wait_when_the_pace_is_already_slow() -> None:
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    pacer = Pacer(2.0, sleep=sleep, clock=lambda: now[0])
    for _ in range(3):
        await pacer.wait()
        now[0] += 1.0  # callers arrive a second apart, slower than the pace
    assert waits == []


def test_error_bodies_of_every_shape() -> None:
    documented = {"httpStatus": 400, "messages": [{"errorCode": "E1", "message": "bad name"}]}
    assert [(m.error_code, m.message) for m in messages_from_body(documented)] == [
        ("E1", "bad name")
    ]
    assert [m.message for m in messages_from_body({"msg": "Not Found"})] == ["Not Found"]
    assert messages_from_body({"httpStatus": 404, "messages": None}) == ()
    assert messages_from_body("<html>") == ()
    long = messages_from_body({"msg": "x" * 10_000})
    assert len(long[0].message) <= 300
    error = error_for_status(404, messages_from_body({"msg": "Not Found"}), method="GET", path="/p")
    assert isinstance(error, NotFound)
    assert str(error) == "GET /p: Not Found"


@given(json_values)
def test_any_json_body_gives_messages_or_none_never_an_exception(body: Any) -> None:
    for message in messages_from_body(body):
        assert message.message.strip()
