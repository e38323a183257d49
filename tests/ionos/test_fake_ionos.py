"""Behaviour of the IONOS stand-in over real HTTP (every exchange is also contract-checked)."""

from __future__ import annotations

import asyncio
import base64
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import bot.devtools
from bot.devtools.ionos import FailRule, FakeIonos, Knobs
from bot.devtools.ionos_model import FakeRegistry, rfc3339
from bot.domain.clock import FakeClock
from tests.ionos.contract import REPO_ROOT, contract_checked

BEARER = {"Authorization": "Bearer fake-token"}
SEED_FILE = Path(bot.devtools.__file__).parent / "seed.example.yaml"


@pytest.fixture
def ionos_clock() -> FakeClock:
    """This module moves time by hand (overrides the SystemClock of tests/ionos/conftest.py)."""
    return FakeClock()


@pytest.fixture
async def api(ionos_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=ionos_url, headers=BEARER) as client:
        yield client


@pytest.fixture
def registry(fake_ionos: FakeIonos) -> FakeRegistry:
    return fake_ionos.add_registry("acme-apps")


def _props(name: str = "ci-push", **extra: Any) -> dict[str, Any]:
    return {"properties": {"name": name, **extra}}


def _error_codes(response: httpx.Response) -> list[str]:
    body = response.json()
    assert body["httpStatus"] == response.status_code
    return [m["errorCode"] for m in body["messages"]]


# ---- auth --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "fake-token"},
        {"Authorization": "Basic " + base64.b64encode(b"fake-user:wrong").decode()},
        {"Authorization": "Basic not-base64!"},
    ],
    ids=["none", "wrong-bearer", "no-scheme", "wrong-password", "garbage-basic"],
)
async def test_requests_without_valid_credentials_get_401(
    ionos_url: str, registry: FakeRegistry, headers: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=ionos_url, headers=headers) as client:
        response = await client.get(f"/registries/{registry.id}/tokens")
    assert response.status_code == 401
    assert _error_codes(response) == ["UNAUTHORIZED"]


async def test_basic_auth_is_accepted_and_names_the_creator(
    ionos_url: str, registry: FakeRegistry
) -> None:
    async with httpx.AsyncClient(base_url=ionos_url, auth=("fake-user", "fake-pass")) as client:
        response = await client.post(f"/registries/{registry.id}/tokens", json=_props())
    assert response.status_code == 201
    assert response.json()["metadata"]["createdBy"] == "fake-user"


# ---- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["a", "1abc", "-abc", "abc-", "ab_c", "ab c", "a" * 64, "", 42, None]
)
async def test_invalid_token_names_are_400(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry, name: object
) -> None:
    response = await api.post(f"/registries/{registry.id}/tokens", json=_props(name))  # type: ignore[arg-type]
    assert response.status_code == 400
    assert _error_codes(response) == ["INVALID_TOKEN_NAME"]
    assert response.json()["messages"][0]["message"]
    assert fake_ionos.tokens(registry.id) == []


@pytest.mark.parametrize("name", ["ab", "CI-Push-2", "a" * 63, "x-1"])
async def test_valid_token_names_are_created(
    api: httpx.AsyncClient, registry: FakeRegistry, name: str
) -> None:
    response = await api.post(f"/registries/{registry.id}/tokens", json=_props(name))
    assert response.status_code == 201
    assert response.json()["properties"]["name"] == name


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"scopes": "all"}, "INVALID_SCOPES"),
        ({"scopes": [{"name": "*", "type": "repository"}]}, "INVALID_SCOPES"),
        ({"scopes": [{"type": "repository", "actions": ["pull"]}]}, "INVALID_SCOPES"),
        ({"scopes": [{"name": "*", "type": 3, "actions": ["pull"]}]}, "INVALID_SCOPES"),
        ({"scopes": [{"name": "*", "type": "repository", "actions": "pull"}]}, "INVALID_SCOPES"),
        ({"scopes": [{"name": "*", "type": "repository", "actions": ["admin"]}]}, "INVALID_SCOPES"),
        ({"scopes": ["*"]}, "INVALID_SCOPES"),
        ({"status": "paused"}, "INVALID_STATUS"),
        ({"status": True}, "INVALID_STATUS"),
        ({"expiryDate": "2030-01-01T00:00:00"}, "INVALID_EXPIRY_DATE"),  # no offset
        ({"expiryDate": "2030-01-01"}, "INVALID_EXPIRY_DATE"),
        ({"expiryDate": 1893456000}, "INVALID_EXPIRY_DATE"),
        ({"expiryDate": "next tuesday"}, "INVALID_EXPIRY_DATE"),
    ],
)
async def test_invalid_properties_are_400(
    api: httpx.AsyncClient,
    fake_ionos: FakeIonos,
    registry: FakeRegistry,
    extra: dict[str, Any],
    code: str,
) -> None:
    response = await api.post(f"/registries/{registry.id}/tokens", json=_props(**extra))
    assert response.status_code == 400
    assert _error_codes(response) == [code]
    assert fake_ionos.tokens(registry.id) == []


@pytest.mark.parametrize("body", [None, [], {"name": "flat"}, {"properties": "x"}])
async def test_bodies_of_the_wrong_shape_are_400(
    api: httpx.AsyncClient, registry: FakeRegistry, body: object
) -> None:
    response = await api.post(f"/registries/{registry.id}/tokens", json=body)
    assert response.status_code == 400


async def test_not_json_is_400(api: httpx.AsyncClient, registry: FakeRegistry) -> None:
    response = await api.post(
        f"/registries/{registry.id}/tokens",
        content=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert _error_codes(response) == ["INVALID_BODY"]


async def test_expiry_must_be_at_least_an_hour_ahead(
    api: httpx.AsyncClient, registry: FakeRegistry, ionos_clock: FakeClock
) -> None:
    url = f"/registries/{registry.id}/tokens"
    soon = rfc3339(ionos_clock.now() + timedelta(minutes=59))
    just_enough = rfc3339(ionos_clock.now() + timedelta(hours=1))
    assert (await api.post(url, json=_props("a1", expiryDate=soon))).status_code == 400
    created = await api.post(url, json=_props("a2", expiryDate=just_enough))
    assert created.status_code == 201
    tid = created.json()["id"]
    patched = await api.patch(f"{url}/{tid}", json={"expiryDate": soon})
    assert patched.status_code == 400
    assert _error_codes(patched) == ["INVALID_EXPIRY_DATE"]


async def test_unknown_fields_are_ignored_and_defaults_applied(
    api: httpx.AsyncClient, registry: FakeRegistry
) -> None:
    response = await api.post(
        f"/registries/{registry.id}/tokens",
        json={"properties": {"name": "lenient", "colour": "blue"}, "extra": 1},
    )
    assert response.status_code == 201
    props = response.json()["properties"]
    assert props["status"] == "enabled"
    assert props["expiryDate"] is None
    assert props["scopes"] == []


@pytest.mark.parametrize("path", ["/registries/not-a-uuid", "/registries/not-a-uuid/tokens"])
async def test_malformed_registry_ids_are_400(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path)
    assert response.status_code == 400
    assert _error_codes(response) == ["INVALID_ID"]


async def test_unknown_registry_and_token_are_404(
    api: httpx.AsyncClient, registry: FakeRegistry
) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await api.get(f"/registries/{unknown}")).status_code == 404
    assert (await api.get(f"/registries/{unknown}/tokens")).status_code == 404
    token_url = f"/registries/{registry.id}/tokens/{unknown}"
    for method in ("GET", "DELETE"):
        assert (await api.request(method, token_url)).status_code == 404
    assert (await api.patch(token_url, json={"status": "disabled"})).status_code == 404
    malformed = await api.get(f"/registries/{registry.id}/tokens/123")
    assert malformed.status_code == 400


async def test_unknown_routes_answer_in_the_error_shape(api: httpx.AsyncClient) -> None:
    missing = await api.get("/nowhere")
    assert missing.status_code == 404
    assert _error_codes(missing) == ["NOT_FOUND"]
    not_allowed = await api.delete("/registries")
    assert not_allowed.status_code == 405


# ---- the token life cycle ----------------------------------------------------------------


async def test_password_is_only_in_the_create_response(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    scopes = [{"name": "*", "type": "repository", "actions": ["pull", "push"]}]
    created = await api.post(
        f"/registries/{registry.id}/tokens", json=_props("ci-push", scopes=scopes)
    )
    assert created.status_code == 201
    body = created.json()
    token = fake_ionos.token(registry.id, body["id"])
    assert token is not None
    assert len(token.password) >= 32
    assert body["properties"]["credentials"] == {"username": "ci-push", "password": token.password}
    assert body["type"] == "token"
    assert body["metadata"]["state"] == "enabled"
    assert created.headers["Location"] == body["href"]

    fetched = await api.get(created.headers["Location"])
    listed = await api.get(f"/registries/{registry.id}/tokens")
    patched = await api.patch(body["href"], json={"status": "disabled"})
    for props in (
        fetched.json()["properties"],
        listed.json()["items"][0]["properties"],
        patched.json()["properties"],
    ):
        assert props["credentials"] == {"username": "ci-push", "password": ""}
        assert props["scopes"] == scopes
    assert token.password not in repr(token)


async def test_each_create_gets_its_own_uuid4_and_password(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    url = f"/registries/{registry.id}/tokens"
    first = (await api.post(url, json=_props("one"))).json()
    second = (await api.post(url, json=_props("two"))).json()
    assert first["id"] != second["id"]
    assert first["id"][14] == "4"  # uuid version 4
    passwords = {t.password for t in fake_ionos.tokens(registry.id)}
    assert len(passwords) == 2


async def test_duplicate_names_conflict_on_post_and_put_create(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    url = f"/registries/{registry.id}/tokens"
    assert (await api.post(url, json=_props("ci-push"))).status_code == 201
    again = await api.post(url, json=_props("ci-push"))
    assert again.status_code == 409
    assert _error_codes(again) == ["CONFLICT"]
    put = await api.put(f"{url}/11111111-2222-4333-8444-555555555555", json=_props("ci-push"))
    assert put.status_code == 409
    assert [t.name for t in fake_ionos.tokens(registry.id)] == ["ci-push"]
    other = fake_ionos.add_registry("acme-ml")
    same_name_elsewhere = await api.post(f"/registries/{other.id}/tokens", json=_props("ci-push"))
    assert same_name_elsewhere.status_code == 201


async def test_put_creates_at_the_given_id_then_replaces(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry, ionos_clock: FakeClock
) -> None:
    tid = "0F6A3D9E-2B7C-4E18-8D45-6A1B9C2E7F30"
    url = f"/registries/{registry.id}/tokens/{tid}"
    expiry = rfc3339(ionos_clock.now() + timedelta(days=7))
    scopes = [{"name": "*", "type": "repository", "actions": ["pull"]}]
    created = await api.put(url, json=_props("deployer", expiryDate=expiry, scopes=scopes))
    assert created.status_code == 201
    assert created.json()["id"] == tid.lower()
    token = fake_ionos.token(registry.id, tid)
    assert token is not None
    password = token.password
    assert created.json()["properties"]["credentials"]["password"] == password
    assert created.headers["Location"].endswith(f"/tokens/{tid.lower()}")

    replaced = await api.put(url, json=_props("deployer", status="disabled"))
    assert replaced.status_code == 201
    props = replaced.json()["properties"]
    assert props["credentials"]["password"] == ""
    assert props["status"] == "disabled"
    assert props["expiryDate"] is None  # PUT replaces: absent means "no expiry"
    assert props["scopes"] == []
    assert token.password == password  # the credentials survive a replace

    renamed = await api.put(url, json=_props("other-name"))
    assert renamed.status_code == 400
    assert _error_codes(renamed) == ["NAME_IMMUTABLE"]


async def test_patch_is_flat_and_null_expiry_removes_it(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry, ionos_clock: FakeClock
) -> None:
    token = fake_ionos.add_token(
        registry.id,
        "ci-push",
        expiry=ionos_clock.now() + timedelta(days=3),
        scopes=[{"name": "*", "type": "repository", "actions": ["pull"]}],
    )
    url = f"/registries/{registry.id}/tokens/{token.id}"
    later = ionos_clock.now() + timedelta(days=30)
    moved = await api.patch(url, json={"expiryDate": rfc3339(later)})
    assert moved.status_code == 200
    assert token.expiry == later
    assert moved.json()["properties"]["scopes"] == token.scopes  # untouched

    ionos_clock.advance(timedelta(minutes=5))
    disabled = await api.patch(url, json={"status": "disabled", "expiryDate": None, "scopes": []})
    body = disabled.json()
    assert body["properties"]["expiryDate"] is None
    assert body["properties"]["status"] == "disabled"
    assert body["metadata"]["state"] == "disabled"
    assert body["properties"]["scopes"] == []
    assert body["metadata"]["lastModifiedDate"] == rfc3339(ionos_clock.now())
    assert (await api.patch(url, json={"status": "off"})).status_code == 400
    assert (await api.patch(url, json=["status"])).status_code == 400


async def test_delete_answers_204_and_the_token_is_gone(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    token = fake_ionos.add_token(registry.id, "ci-push")
    url = f"/registries/{registry.id}/tokens/{token.id}"
    deleted = await api.delete(url)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert fake_ionos.tokens(registry.id) == []
    assert (await api.get(url)).status_code == 404
    assert (await api.delete(url)).status_code == 404


async def test_expired_tokens_disappear(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry, ionos_clock: FakeClock
) -> None:
    short = fake_ionos.add_token(
        registry.id, "short", expiry=ionos_clock.now() + timedelta(hours=2)
    )
    fake_ionos.add_token(registry.id, "forever")
    ionos_clock.advance(timedelta(hours=2) - timedelta(seconds=1))
    assert (await api.get(f"/registries/{registry.id}/tokens/{short.id}")).status_code == 200

    ionos_clock.advance(timedelta(seconds=1))  # now == expiry: deleted
    listed = (await api.get(f"/registries/{registry.id}/tokens")).json()
    assert [t["properties"]["name"] for t in listed["items"]] == ["forever"]
    assert listed["total"] == 1
    assert (await api.get(f"/registries/{registry.id}/tokens/{short.id}")).status_code == 404
    assert fake_ionos.token(registry.id, short.id) is None
    # the name is free again
    recreated = await api.post(f"/registries/{registry.id}/tokens", json=_props("short"))
    assert recreated.status_code == 201


# ---- listings ----------------------------------------------------------------------------


async def test_token_list_pages_with_offset_and_limit(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    for i in range(5):
        fake_ionos.add_token(registry.id, f"token-{i}")
    url = f"/registries/{registry.id}/tokens"
    first = (await api.get(url, params={"limit": "2"})).json()
    assert (first["offset"], first["limit"], first["count"], first["total"]) == (0, 2, 2, 5)
    assert first["_links"]["previous"] == ""
    assert first["_links"]["self"].endswith("?offset=0&limit=2")

    names: list[str] = []
    page = first
    while True:
        names += [t["properties"]["name"] for t in page["items"]]
        if not page["_links"]["next"]:
            break
        page = (await api.get(page["_links"]["next"])).json()
    assert names == [f"token-{i}" for i in range(5)]
    assert (page["offset"], page["count"], page["total"]) == (4, 1, 5)
    assert page["_links"]["previous"].endswith("?offset=2&limit=2")

    default = (await api.get(url)).json()
    assert (default["offset"], default["limit"], default["count"]) == (0, 100, 5)
    beyond = (await api.get(url, params={"offset": "9"})).json()
    assert (beyond["count"], beyond["items"], beyond["total"]) == (0, [], 5)
    capped = (await api.get(url, params={"limit": "5000"})).json()
    assert capped["limit"] == fake_ionos.max_limit
    for bad in ({"limit": "ten"}, {"offset": "-1"}, {"limit": "0"}, {"offset": "1.5"}):
        response = await api.get(url, params=bad)
        assert response.status_code == 400
        assert _error_codes(response) == ["INVALID_PAGINATION"]


async def test_registry_list_pages_with_an_opaque_cursor_and_filters_by_name(
    api: httpx.AsyncClient, fake_ionos: FakeIonos
) -> None:
    for name in ("acme-apps", "acme-ml", "other"):
        fake_ionos.add_registry(name)
    first = (await api.get("/registries", params={"limit": "2"})).json()
    assert first["type"] == "collection"
    assert first["pagination"]["limit"] == 2
    assert [r["properties"]["name"] for r in first["items"]] == ["acme-apps", "acme-ml"]
    cursor = first["pagination"]["token"]
    second = (
        await api.get("/registries", params={"limit": "2", "pagination.token": cursor})
    ).json()
    assert [r["properties"]["name"] for r in second["items"]] == ["other"]
    assert second["pagination"]["token"] == ""
    assert second["_links"]["next"] == ""
    assert (await api.get(first["_links"]["next"])).json()["items"] == second["items"]

    filtered = (await api.get("/registries", params={"filter.name": "ACME"})).json()
    assert [r["properties"]["name"] for r in filtered["items"]] == ["acme-apps", "acme-ml"]
    item = filtered["items"][0]
    assert item["properties"]["hostname"] == "acme-apps.cr.ionos.local"
    assert item["metadata"]["state"] == "Running"
    one = await api.get(f"/registries/{item['id']}")
    assert one.json()["properties"] == item["properties"]
    bad = await api.get("/registries", params={"pagination.token": "!!"})
    assert bad.status_code == 400


async def test_locations(api: httpx.AsyncClient) -> None:
    body = (await api.get("/locations")).json()
    assert {"id": "de/fra"} in body["items"]


# ---- knobs -------------------------------------------------------------------------------


async def test_random_429_carries_retry_after(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    fake_ionos.knobs.rate_429 = 1.0
    fake_ionos.knobs.retry_after = 7
    response = await api.post(f"/registries/{registry.id}/tokens", json=_props())
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert fake_ionos.tokens(registry.id) == []  # nothing happened
    fake_ionos.knobs.rate_429 = 0.0
    assert (await api.get(f"/registries/{registry.id}/tokens")).status_code == 200


async def test_random_503(api: httpx.AsyncClient, fake_ionos: FakeIonos) -> None:
    fake_ionos.knobs.rate_5xx = 1.0
    response = await api.get("/registries")
    assert response.status_code == 503
    assert _error_codes(response) == ["SERVICE_UNAVAILABLE"]


async def test_the_seed_makes_random_faults_repeatable() -> None:
    async def statuses() -> list[int]:
        fake = FakeIonos(knobs=Knobs(rate_429=0.5, rate_5xx=0.2, seed=7))
        async with (
            contract_checked(fake) as url,
            httpx.AsyncClient(base_url=url, headers=BEARER) as client,
        ):
            return [(await client.get("/locations")).status_code for _ in range(20)]

    first, second = await statuses(), await statuses()
    assert first == second
    assert {200, 429} <= set(first)


async def test_fail_next_answers_the_matching_requests_then_stops(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    fake_ionos.knobs.fail_next.append(FailRule("POST", r"/tokens$", 429, times=2, retry_after=3))
    fake_ionos.knobs.fail_next.append(FailRule("*", r"^/locations$", 502))
    url = f"/registries/{registry.id}/tokens"
    assert (await api.get(url)).status_code == 200  # GET does not match
    for _ in range(2):
        failed = await api.post(url, json=_props())
        assert failed.status_code == 429
        assert failed.headers["Retry-After"] == "3"
    assert (await api.post(url, json=_props())).status_code == 201
    assert (await api.get("/locations")).status_code == 502
    assert (await api.get("/locations")).status_code == 200
    assert fake_ionos.knobs.fail_next == []


async def test_server_rate_limit_answers_429_with_retry_after(
    api: httpx.AsyncClient, fake_ionos: FakeIonos
) -> None:
    fake_ionos.knobs.rate_limit_rps = 0.01  # one request, then one per 100 s
    assert (await api.get("/locations")).status_code == 200
    limited = await api.get("/locations")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    fake_ionos.knobs.rate_limit_rps = None
    assert (await api.get("/locations")).status_code == 200


async def test_drop_response_creates_the_token_and_loses_the_answer(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    fake_ionos.knobs.fail_next.append(FailRule("POST", "/tokens$", 0, drop_response=True))
    with pytest.raises(httpx.RemoteProtocolError):
        await api.post(f"/registries/{registry.id}/tokens", json=_props("lost-answer"))
    assert [t.name for t in fake_ionos.tokens(registry.id)] == ["lost-answer"]
    last = fake_ionos.requests[-1]
    assert (last.method, last.status, last.dropped) == ("POST", 201, True)
    retried = await api.post(f"/registries/{registry.id}/tokens", json=_props("lost-answer"))
    assert retried.status_code == 409


async def test_requests_are_recorded_without_the_credentials(
    api: httpx.AsyncClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    await api.post(
        f"/registries/{registry.id}/tokens", json=_props("ci-push"), params={"depth": "1"}
    )
    recorded = fake_ionos.requests[-1]
    assert recorded.method == "POST"
    assert recorded.path == f"/registries/{registry.id}/tokens"
    assert recorded.query == {"depth": "1"}
    assert recorded.body == _props("ci-push")
    assert recorded.status == 201
    assert recorded.headers["Authorization"] == "Bearer [redacted]"
    assert "fake-token" not in repr(fake_ionos.requests)


# ---- seeding and the command line --------------------------------------------------------


def test_seed_example_loads(ionos_clock: FakeClock) -> None:
    fake = FakeIonos(clock=ionos_clock)
    fake.load_seed(yaml.safe_load(SEED_FILE.read_text(encoding="utf-8")))
    registries = fake.registries()
    assert len(registries) == 2
    tokens = [t for r in registries for t in fake.tokens(r.id)]
    assert any(t.expiry is None for t in tokens)
    soon = ionos_clock.now() + timedelta(days=7)
    assert any(t.expiry is not None and t.expiry <= soon for t in tokens)
    assert {t.status for t in tokens} == {"enabled", "disabled"}


async def test_seeded_state_is_served(ionos_clock: FakeClock) -> None:
    fake = FakeIonos(clock=ionos_clock)
    fake.load_seed(
        {
            "registries": [
                {
                    "name": "seeded",
                    "location": "de/txl",
                    "tokens": [
                        {"name": "a-token", "expires_in_days": 3, "scopes": []},
                        {"name": "b-token", "expiry": "2099-01-01T00:00:00Z", "status": "disabled"},
                        {"name": "c-token", "expiry": None},
                    ],
                }
            ]
        }
    )
    (registry,) = fake.registries()
    async with (
        contract_checked(fake) as url,
        httpx.AsyncClient(base_url=url, headers=BEARER) as client,
    ):
        body = (await client.get(f"/registries/{registry.id}/tokens")).json()
    expiries = [t["properties"]["expiryDate"] for t in body["items"]]
    assert expiries == [
        rfc3339(ionos_clock.now() + timedelta(days=3)),
        "2099-01-01T00:00:00Z",
        None,
    ]
    assert body["items"][1]["properties"]["status"] == "disabled"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_cli_serves_the_seeded_stand_in() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "bot", "fake-ionos", "--port", str(port)]
    command += ["--seed", str(SEED_FILE), "--latency", "0"]
    with subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            url = f"http://127.0.0.1:{port}"
            response = _poll(url + "/registries")
            assert response.status_code == 200
            names = {r["properties"]["name"] for r in response.json()["items"]}
            assert names == {"acme-apps", "acme-ml"}
            unauthorized = httpx.get(url + "/registries")
            assert unauthorized.status_code == 401
        finally:
            process.terminate()
            stdout, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}" in stdout
    assert "fake-token" in stdout


def _poll(url: str) -> httpx.Response:
    """Ask until the freshly started server answers (bounded; not a timing assertion)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return httpx.get(url, headers=BEARER)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize("includes_work", [True, False])
async def test_latency_includes_work_does_the_work_before_the_wait(
    api: httpx.AsyncClient, registry: FakeRegistry, fake_ionos: FakeIonos, includes_work: bool
) -> None:
    """`latency_includes_work`: the operation happens when the request comes, the answer
    leaves after the latency (a server with many workers); by default the latency comes
    first. Told apart by what the stand-in holds when the token first exists: the exchange is
    recorded once the answer is ready to leave, so with the work first it is not yet."""
    fake_ionos.knobs.latency = 2.0
    fake_ionos.knobs.latency_includes_work = includes_work
    answer = asyncio.create_task(api.post(f"/registries/{registry.id}/tokens", json=_props()))
    while not fake_ionos.tokens(registry.id):
        await asyncio.sleep(0.005)
    answered_when_made = len(fake_ionos.requests)
    assert (await answer).status_code == 201
    assert [t.name for t in fake_ionos.tokens(registry.id)] == ["ci-push"]
    assert answered_when_made == (0 if includes_work else 1)
