"""Retries over real HTTP: what is sent again, how long the client waits, what never is."""

from __future__ import annotations

import pytest

from bot.devtools.ionos import FailRule, FakeIonos
from bot.ionos.errors import IonosUnavailable, NotFound, RateLimited, ServerError
from bot.ionos.models import TokenPatch, TokenSpec, TokenStatus
from bot.ionos.retry import RetryPolicy
from tests.ionos.clients import RecordingSleep, calls, open_client


async def test_get_is_retried_after_503(fake_ionos: FakeIonos, ionos_url: str) -> None:
    registry = fake_ionos.add_registry("retries")
    fake_ionos.knobs.fail_next.append(FailRule("GET", "/tokens$", 503, times=2))
    sleep = RecordingSleep()
    async with open_client(ionos_url, sleep=sleep) as ionos:
        page = await ionos.list_tokens(registry.id)
    assert page.total == 0
    assert [r.status for r in calls(fake_ionos, "GET", "/tokens")] == [503, 503, 200]
    assert len(sleep.waits) == 2
    assert all(0 <= w <= RetryPolicy().cap for w in sleep.waits)


async def test_429_waits_at_least_retry_after(fake_ionos: FakeIonos, ionos_url: str) -> None:
    fake_ionos.knobs.fail_next.append(FailRule("GET", "^/registries$", 429, retry_after=3))
    sleep = RecordingSleep()
    async with open_client(ionos_url, sleep=sleep) as ionos:
        await ionos.list_registries()
    assert [r.status for r in calls(fake_ionos, "GET", "/registries")] == [429, 200]
    assert len(sleep.waits) == 1
    assert sleep.waits[0] >= 3  # never earlier than the server asked, though the cap is lower


async def test_retry_after_on_a_503_is_honoured_too(fake_ionos: FakeIonos, ionos_url: str) -> None:
    fake_ionos.knobs.fail_next.append(FailRule("GET", "^/registries$", 503, retry_after=2))
    sleep = RecordingSleep()
    async with open_client(ionos_url, sleep=sleep) as ionos:
        await ionos.list_registries()
    assert len(sleep.waits) == 1
    assert sleep.waits[0] >= 2


async def test_random_faults_are_absorbed_by_retries(fake_ionos: FakeIonos, ionos_url: str) -> None:
    registry = fake_ionos.add_registry("flaky")
    fake_ionos.knobs.rate_5xx = 0.3
    fake_ionos.knobs.rate_429 = 0.1
    fake_ionos.knobs.seed = 7
    sleep = RecordingSleep()
    async with open_client(ionos_url, sleep=sleep, retry=RetryPolicy(attempts=10)) as ionos:
        for _ in range(30):  # one after another, so the seeded faults are reproducible
            await ionos.list_tokens(registry.id)
    statuses = [r.status for r in calls(fake_ionos, "GET", "/tokens")]
    assert statuses.count(200) == 30
    assert len(sleep.waits) == len(statuses) - 30 > 0  # one wait per failed attempt


async def test_no_retry_when_retry_after_outlasts_the_deadline(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    fake_ionos.knobs.fail_next.append(FailRule("GET", "^/registries$", 429, retry_after=60))
    sleep = RecordingSleep()
    async with open_client(ionos_url, sleep=sleep, retry=RetryPolicy(deadline=5)) as ionos:
        with pytest.raises(RateLimited):
            await ionos.list_registries()
    assert sleep.waits == []
    assert len(calls(fake_ionos, "GET", "/registries")) == 1


async def test_post_is_not_retried_after_503(fake_ionos: FakeIonos, ionos_url: str) -> None:
    registry = fake_ionos.add_registry("retries")
    fake_ionos.knobs.fail_next.append(FailRule("POST", "/tokens$", 503, times=3))
    sleep = RecordingSleep()
    async with open_client(ionos_url, sleep=sleep) as ionos:
        with pytest.raises(ServerError):
            await ionos.create_token(registry.id, TokenSpec(name="once"))
    assert len(calls(fake_ionos, "POST", "/tokens")) == 1
    assert sleep.waits == []


async def test_post_is_not_retried_after_a_lost_answer(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    registry = fake_ionos.add_registry("retries")
    fake_ionos.knobs.fail_next.append(FailRule("POST", "/tokens$", 201, drop_response=True))
    async with open_client(ionos_url) as ionos:
        with pytest.raises(IonosUnavailable):
            await ionos.create_token(registry.id, TokenSpec(name="lost"))
        found = await ionos.find_token(registry.id, "lost")  # how a caller reconciles
    assert len(calls(fake_ionos, "POST", "/tokens")) == 1
    assert [t.name for t in fake_ionos.tokens(registry.id)] == ["lost"]
    assert found is not None


async def test_put_patch_delete_are_retried_after_503(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    registry = fake_ionos.add_registry("retries")
    token = fake_ionos.add_token(registry.id, "idem")
    for method in ("PUT", "PATCH", "DELETE"):
        fake_ionos.knobs.fail_next.append(FailRule(method, token.id, 503))
    sleep = RecordingSleep()
    async with open_client(ionos_url, sleep=sleep) as ionos:
        put = await ionos.put_token(
            registry.id, token.id, TokenSpec(name="idem", status=TokenStatus.DISABLED)
        )
        patched = await ionos.patch_token(
            registry.id, token.id, TokenPatch(status=TokenStatus.ENABLED)
        )
        await ionos.delete_token(registry.id, token.id)
    assert put.status is TokenStatus.DISABLED
    assert patched.status is TokenStatus.ENABLED
    for method, success in (("PUT", 201), ("PATCH", 200), ("DELETE", 204)):
        assert [r.status for r in calls(fake_ionos, method, token.id)] == [503, success]
    assert fake_ionos.tokens(registry.id) == []
    assert len(sleep.waits) == 3


async def test_500_is_retried_for_get_only(fake_ionos: FakeIonos, ionos_url: str) -> None:
    registry = fake_ionos.add_registry("retries")
    token = fake_ionos.add_token(registry.id, "five-hundred")
    fake_ionos.knobs.fail_next.append(FailRule("GET", token.id, 500))
    fake_ionos.knobs.fail_next.append(FailRule("PUT", token.id, 500))
    async with open_client(ionos_url) as ionos:
        got = await ionos.get_token(registry.id, token.id)
        with pytest.raises(ServerError):
            await ionos.put_token(registry.id, token.id, TokenSpec(name="five-hundred"))
    assert got.id == token.id
    assert len(calls(fake_ionos, "GET", token.id)) == 2
    assert len(calls(fake_ionos, "PUT", token.id)) == 1


async def test_delete_404_on_a_retry_counts_as_deleted(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    registry = fake_ionos.add_registry("retries")
    token = fake_ionos.add_token(registry.id, "gone")
    # The first DELETE deletes, then its answer is lost; the retry finds nothing.
    fake_ionos.knobs.fail_next.append(FailRule("DELETE", token.id, 204, drop_response=True))
    async with open_client(ionos_url) as ionos:
        await ionos.delete_token(registry.id, token.id)
    assert [r.status for r in calls(fake_ionos, "DELETE", token.id)] == [204, 404]
    assert fake_ionos.tokens(registry.id) == []


async def test_delete_404_on_the_first_attempt_is_not_found(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    registry = fake_ionos.add_registry("retries")
    async with open_client(ionos_url) as ionos:
        with pytest.raises(NotFound):
            await ionos.delete_token(registry.id, "00000000-0000-4000-8000-000000000000")
