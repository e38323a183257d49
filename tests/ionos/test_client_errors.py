"""Every failure over real HTTP becomes the documented exception, with the API's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from bot.devtools.ionos import FailRule, FakeIonos
from bot.ionos.client import auth_from
from bot.ionos.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    IonosApiError,
    IonosTimeout,
    IonosUnavailable,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
)
from bot.ionos.models import TokenSpec
from bot.ionos.retry import RetryPolicy
from tests.ionos.clients import RecordingSleep, calls, closed_port_url, open_client

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


async def test_400_carries_the_api_messages(fake_ionos: FakeIonos, ionos_url: str) -> None:
    registry = fake_ionos.add_registry("errors")
    too_soon = datetime.now(UTC) + timedelta(minutes=5)
    async with open_client(ionos_url) as ionos:
        with pytest.raises(BadRequest) as caught:
            await ionos.create_token(registry.id, TokenSpec(name="soon", expiry_date=too_soon))
    error = caught.value
    assert error.status == 400
    assert [m.error_code for m in error.messages] == ["INVALID_EXPIRY_DATE"]
    assert "at least 1 hour ahead" in str(error)
    assert str(error).startswith(f"POST /registries/{registry.id}/tokens: ")


async def test_401_for_wrong_credentials(fake_ionos: FakeIonos, ionos_url: str) -> None:
    wrong = auth_from(SecretStr("not-the-token"), None, None)
    async with open_client(ionos_url, auth=wrong) as ionos:
        with pytest.raises(Unauthorized) as caught:
            await ionos.list_registries()
    assert caught.value.status == 401
    assert "not-the-token" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(403, Forbidden), (404, NotFound), (409, Conflict), (500, ServerError), (502, ServerError)],
)
async def test_injected_statuses_map_to_their_exception(
    fake_ionos: FakeIonos, ionos_url: str, status: int, kind: type[IonosApiError]
) -> None:
    fake_ionos.knobs.fail_next.append(FailRule("GET", "^/registries$", status))
    async with open_client(ionos_url, retry=RetryPolicy.none()) as ionos:
        with pytest.raises(kind) as caught:
            await ionos.list_registries()
    assert caught.value.status == status
    assert caught.value.messages[0].error_code == f"INJECTED_{status}"


async def test_real_404_and_409(fake_ionos: FakeIonos, ionos_url: str) -> None:
    registry = fake_ionos.add_registry("errors")
    fake_ionos.add_token(registry.id, "taken")
    async with open_client(ionos_url) as ionos:
        with pytest.raises(NotFound):
            await ionos.get_token(registry.id, UNKNOWN_ID)
        with pytest.raises(NotFound):
            await ionos.list_tokens(UNKNOWN_ID)
        with pytest.raises(Conflict, match="already exists"):
            await ionos.create_token(registry.id, TokenSpec(name="taken"))


async def test_429_is_rate_limited_with_retry_after(fake_ionos: FakeIonos, ionos_url: str) -> None:
    fake_ionos.knobs.fail_next.append(FailRule("GET", "^/registries$", 429, retry_after=7))
    async with open_client(ionos_url, retry=RetryPolicy.none()) as ionos:
        with pytest.raises(RateLimited) as caught:
            await ionos.list_registries()
    assert caught.value.retry_after == 7


async def test_503_after_the_attempts_raises_the_last_error(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    fake_ionos.knobs.fail_next.append(FailRule("GET", "^/registries$", 503, times=10))
    async with open_client(ionos_url, retry=RetryPolicy(attempts=3)) as ionos:
        with pytest.raises(ServerError) as caught:
            await ionos.list_registries()
    assert caught.value.status == 503
    assert len(calls(fake_ionos, "GET", "/registries")) == 3


async def test_nobody_listening_is_unavailable() -> None:
    sleep = RecordingSleep()
    async with open_client(closed_port_url(), sleep=sleep, retry=RetryPolicy(attempts=3)) as ionos:
        with pytest.raises(IonosUnavailable) as caught:
            await ionos.list_registries()
    assert not isinstance(caught.value, IonosTimeout)
    assert "ConnectError" in str(caught.value)
    assert len(sleep.waits) == 2  # retried twice, then gave up


async def test_a_slow_answer_is_a_timeout(fake_ionos: FakeIonos, ionos_url: str) -> None:
    fake_ionos.knobs.latency = 0.5
    async with open_client(ionos_url, timeout=0.05, retry=RetryPolicy.none()) as ionos:
        with pytest.raises(IonosTimeout, match=r"no answer within 0\.05 s"):
            await ionos.list_registries()


async def test_the_deadline_bounds_the_whole_call(fake_ionos: FakeIonos, ionos_url: str) -> None:
    fake_ionos.knobs.latency = 0.5
    policy = RetryPolicy(attempts=10, deadline=0.1)
    async with open_client(ionos_url, timeout=5.0, retry=policy) as ionos:
        with pytest.raises(IonosTimeout, match="deadline"):
            await ionos.list_registries()


async def test_ids_that_are_not_uuids_never_leave_the_client(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    async with open_client(ionos_url) as ionos:
        with pytest.raises(BadRequest, match="token_id is not a UUID"):
            await ionos.delete_token(UNKNOWN_ID, "../../registries")
    assert fake_ionos.requests == []
