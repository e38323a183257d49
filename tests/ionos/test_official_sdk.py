"""Independence check: the official IONOS SDK from PyPI, not our client, drives the stand-in.

If the stand-in only agreed with code we wrote ourselves, a shared misreading of the API
would go unnoticed. The SDK is generated from IONOS's own spec. It is synchronous (urllib3),
so its calls run in a worker thread while the stand-in serves on the test's event loop; the
exchanges are contract-checked by the ``ionos_url`` fixture like every other test here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from ionoscloud_container_registry.api.registries_api import RegistriesApi
from ionoscloud_container_registry.api.tokens_api import TokensApi
from ionoscloud_container_registry.api_client import ApiClient
from ionoscloud_container_registry.configuration import Configuration
from ionoscloud_container_registry.exceptions import ApiException, NotFoundException
from ionoscloud_container_registry.models.patch_token_input import PatchTokenInput
from ionoscloud_container_registry.models.post_token_input import PostTokenInput
from ionoscloud_container_registry.models.post_token_properties import PostTokenProperties
from ionoscloud_container_registry.models.scope import Scope

from bot.devtools.ionos import FakeIonos
from bot.devtools.ionos_model import FakeRegistry


@pytest.fixture
def registry(fake_ionos: FakeIonos) -> FakeRegistry:
    return fake_ionos.add_registry("sdk-registry", "de/txl")


@pytest.fixture(params=["bearer", "basic"])
def sdk(request: pytest.FixtureRequest, ionos_url: str) -> Iterator[ApiClient]:
    if request.param == "bearer":
        config = Configuration(host=ionos_url, token="fake-token")
    else:
        config = Configuration(host=ionos_url, username="fake-user", password="fake-pass")
    with ApiClient(config) as client:
        yield client


async def test_sdk_lists_registries(sdk: ApiClient, registry: FakeRegistry) -> None:
    page = await asyncio.to_thread(RegistriesApi(sdk).registries_get, limit="10")
    assert page.items is not None
    (found,) = page.items
    assert found.id == registry.id
    assert found.properties is not None
    assert found.properties.name == "sdk-registry"
    assert found.properties.location == "de/txl"
    assert page.pagination is not None
    assert page.pagination.limit == 10


async def test_sdk_token_life_cycle(
    sdk: ApiClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    tokens = TokensApi(sdk)
    # Timezone-aware on purpose: the SDK sends datetime.isoformat(), and a naive datetime
    # would go out without an offset, which is not RFC 3339 (the stand-in answers 400).
    expiry = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    body = PostTokenInput(
        properties=PostTokenProperties(
            name="sdk-push",
            expiry_date=expiry,
            scopes=[Scope(name="*", type="repository", actions=["pull", "push"])],
            status="enabled",
        )
    )
    created = await asyncio.to_thread(tokens.registries_tokens_post, registry.id, body)
    assert created.id is not None
    assert created.properties is not None
    assert created.properties.credentials is not None
    stored = fake_ionos.token(registry.id, created.id)
    assert stored is not None
    assert created.properties.credentials.password == stored.password
    assert created.properties.credentials.username == "sdk-push"
    assert created.properties.expiry_date == expiry

    listed = await asyncio.to_thread(tokens.registries_tokens_get, registry.id, limit="10")
    assert listed.total == 1
    assert listed.items is not None
    assert [t.id for t in listed.items] == [created.id]

    fetched = await asyncio.to_thread(tokens.registries_tokens_find_by_id, registry.id, created.id)
    assert fetched.properties is not None
    assert fetched.properties.credentials is not None
    assert fetched.properties.credentials.password == ""
    assert fetched.properties.scopes is not None
    assert fetched.properties.scopes[0].actions == ["pull", "push"]

    patch = PatchTokenInput(
        status="disabled", scopes=[Scope(name="app", type="repository", actions=["pull"])]
    )
    patched = await asyncio.to_thread(
        tokens.registries_tokens_patch, registry.id, created.id, patch
    )
    assert patched.properties is not None
    assert patched.properties.status == "disabled"
    assert stored.status == "disabled"
    assert stored.scopes == [{"name": "app", "type": "repository", "actions": ["pull"]}]

    await asyncio.to_thread(tokens.registries_tokens_delete, registry.id, created.id)
    assert fake_ionos.tokens(registry.id) == []
    with pytest.raises(NotFoundException):
        await asyncio.to_thread(tokens.registries_tokens_find_by_id, registry.id, created.id)


async def test_sdk_sees_validation_errors(sdk: ApiClient, registry: FakeRegistry) -> None:
    tokens = TokensApi(sdk)
    bad = PostTokenInput(properties=PostTokenProperties(name="-nope"))
    with pytest.raises(ApiException) as caught:
        await asyncio.to_thread(tokens.registries_tokens_post, registry.id, bad)
    assert caught.value.status == 400


async def test_a_naive_expiry_from_the_sdk_is_rejected(
    sdk: ApiClient, fake_ionos: FakeIonos, registry: FakeRegistry
) -> None:
    naive = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=30)
    body = PostTokenInput(properties=PostTokenProperties(name="naive", expiry_date=naive))
    with pytest.raises(ApiException) as caught:
        await asyncio.to_thread(TokensApi(sdk).registries_tokens_post, registry.id, body)
    assert caught.value.status == 400
    assert fake_ionos.tokens(registry.id) == []
