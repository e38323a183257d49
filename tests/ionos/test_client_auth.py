"""What reaches the server (auth, contract number, user agent) and what never leaks (secrets)."""

from __future__ import annotations

import json
import logging
import traceback

import httpx
import pytest
from pydantic import SecretStr

from bot import __version__
from bot.devtools.ionos import FailRule, FakeIonos
from bot.ionos.client import BasicAuth, BearerAuth, IonosClient, auth_from
from bot.ionos.errors import (
    BadRequest,
    Conflict,
    IonosError,
    IonosUnavailable,
    ServerError,
    Unauthorized,
    UnexpectedResponse,
)
from bot.ionos.models import TokenPatch, TokenSpec, TokenStatus
from bot.ionos.retry import RetryPolicy
from tests.ionos.clients import FAKE_BEARER, FAKE_PASS, FAKE_USER, calls, open_client


def _headers(fake: FakeIonos) -> dict[str, str]:
    return {k.lower(): v for k, v in fake.requests[-1].headers.items()}


async def test_bearer_and_user_agent_reach_the_server(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    async with open_client(ionos_url) as ionos:
        await ionos.list_registries()
    headers = _headers(fake_ionos)
    assert fake_ionos.requests[-1].status == 200
    assert headers["authorization"] == "Bearer [redacted]"  # the stand-in masks the value
    assert headers["user-agent"] == f"regbot/{__version__}"
    assert "x-contract-number" not in headers


async def test_basic_auth_and_contract_number_reach_the_server(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    auth = auth_from(None, FAKE_USER, SecretStr(FAKE_PASS))
    async with open_client(ionos_url, auth=auth, contract_number=31415926) as ionos:
        await ionos.list_registries()
    headers = _headers(fake_ionos)
    assert fake_ionos.requests[-1].status == 200
    assert headers["authorization"] == "Basic [redacted]"
    assert headers["x-contract-number"] == "31415926"


async def test_wrong_basic_password_is_refused(fake_ionos: FakeIonos, ionos_url: str) -> None:
    auth = auth_from(None, FAKE_USER, SecretStr("wrong"))
    async with open_client(ionos_url, auth=auth) as ionos:
        with pytest.raises(Unauthorized):
            await ionos.list_registries()


def test_auth_from_prefers_the_token_and_hides_secrets() -> None:
    both = auth_from(SecretStr("t0ken"), FAKE_USER, SecretStr("s3cret"))
    basic = auth_from(None, FAKE_USER, SecretStr("s3cret"))
    assert isinstance(both, BearerAuth)
    assert isinstance(basic, BasicAuth)
    assert "t0ken" not in repr(both)
    assert "s3cret" not in repr(basic)
    with pytest.raises(ValueError, match="credentials"):
        auth_from(None, FAKE_USER, None)
    with pytest.raises(ValueError, match="credentials"):
        auth_from(SecretStr(""), None, None)


def _texts_of(error: BaseException) -> list[str]:
    return [
        str(error),
        repr(error),
        repr(error.args),
        "".join(traceback.format_exception(error)),
    ]


async def test_the_password_never_shows(
    fake_ionos: FakeIonos, ionos_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("bot.ionos", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    registry = fake_ionos.add_registry("secrets")
    errors: list[IonosError] = []
    async with open_client(ionos_url, retry=RetryPolicy(attempts=2)) as ionos:
        token = await ionos.create_token(registry.id, TokenSpec(name="secret-bearer"))
        password = token.password.get_secret_value()
        # then make things fail after the create, in every way the client can fail
        with pytest.raises(Conflict) as conflict:
            await ionos.create_token(registry.id, TokenSpec(name="secret-bearer"))
        errors.append(conflict.value)
        with pytest.raises(BadRequest) as renamed:
            await ionos.put_token(registry.id, token.id, TokenSpec(name="renamed"))
        errors.append(renamed.value)
        fake_ionos.knobs.fail_next.append(FailRule("GET", token.id, 503, times=5))
        with pytest.raises(ServerError) as server_error:
            await ionos.get_token(registry.id, token.id)
        errors.append(server_error.value)
        fake_ionos.knobs.fail_next.append(
            FailRule("PATCH", token.id, 200, times=2, drop_response=True)
        )
        with pytest.raises(IonosUnavailable) as lost:
            await ionos.patch_token(registry.id, token.id, TokenPatch(status=TokenStatus.DISABLED))
        errors.append(lost.value)

    assert password
    assert password == fake_ionos.tokens(registry.id)[0].password
    shown = [
        repr(token),
        str(token),
        repr(token.properties),
        str(token.properties.credentials),
        repr(token.password),
        str(token.model_dump()),
        token.model_dump_json(),
        json.dumps(token.model_dump(mode="json")),
    ]
    for error in errors:
        shown.extend(_texts_of(error))
    records = [record.getMessage() for record in caplog.records]
    for text in [*shown, caplog.text, *records]:
        assert password not in text
        assert FAKE_BEARER not in text
    # one DEBUG line per request, with no body in it
    ours = [r.getMessage() for r in caplog.records if r.name == "bot.ionos"]
    assert ours[0].startswith(f"POST /registries/{registry.id}/tokens -> 201 in ")
    assert ours[0].endswith("(attempt 1)")
    assert len(ours) == len(fake_ionos.requests)
    assert not any("properties" in line for line in ours)
    assert len(calls(fake_ionos, "POST", "/tokens")) == 2


async def test_an_unreadable_answer_does_not_quote_it() -> None:
    """A 2xx body that breaks the model (the stand-in never sends one, so a MockTransport
    does): the pydantic error, which would quote the whole body, is neither shown nor
    chained."""
    body = {"properties": {"name": "x", "credentials": {"username": "x", "password": "hunter2"}}}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json=body)  # no "id"

    transport = httpx.MockTransport(handler)
    async with IonosClient(
        "http://ionos.test", auth_from(SecretStr("t"), None, None), transport=transport
    ) as ionos:
        with pytest.raises(UnexpectedResponse) as caught:
            await ionos.create_token("00000000-0000-4000-8000-000000000000", TokenSpec(name="xy"))
    assert "Token" in str(caught.value)
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None
    for text in _texts_of(caught.value):
        assert "hunter2" not in text
