"""The contract checker itself: it must flag what breaks the spec, and only that."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from tests.ionos.contract import ContractChecker, load_spec_dict

RID = "4b1c7a52-8f0e-4d2b-9a51-3c6e2f7d9a10"
TID = "0f6a3d9e-2b7c-4e18-8d45-6a1b9c2e7f30"
BEARER = {"Authorization": "Bearer fake-token", "Host": "127.0.0.1:8080"}
TOKEN = {
    "id": TID,
    "type": "token",
    "href": "",
    "metadata": {
        "createdBy": "u",
        "createdByUserId": "u",
        "createdDate": "2026-01-01T00:00:00Z",
        "state": "enabled",
    },
    "properties": {"name": "ci-push", "credentials": {"username": "ci-push", "password": ""}},
}
ERROR = {"httpStatus": 404, "messages": [{"errorCode": "NOT_FOUND", "message": "no"}]}


def _check(
    method: str,
    path: str,
    status: int,
    body: Any = None,
    *,
    request_body: Any = None,
    headers: dict[str, str] | None = None,
) -> list[str]:
    sent = json.dumps(request_body).encode() if request_body is not None else b""
    request_headers = CIMultiDict(BEARER if headers is None else headers)
    if sent:
        request_headers["Content-Type"] = "application/json"
    request = make_mocked_request(method, path, headers=request_headers)
    if body is None:
        response = web.Response(status=status)
    else:
        response = web.json_response(body, status=status)
    payload = response.body if isinstance(response.body, bytes) else b""
    checker = ContractChecker()
    checker.hook(request, sent, response, payload)
    return checker.violations


def test_the_vendored_spec_combines_both_schemes_and_the_loaded_copy_splits_them() -> None:
    spec = load_spec_dict()
    security = spec["paths"]["/registries/{registryId}/tokens"]["get"]["security"]
    assert security == [{"basicAuth": []}, {"tokenAuth": []}]


def test_a_valid_exchange_passes() -> None:
    assert _check("GET", f"/registries/{RID}/tokens/{TID}", 200, TOKEN) == []


def test_basic_auth_alone_satisfies_the_split_security() -> None:
    headers = {"Authorization": "Basic ZmFrZS11c2VyOmZha2UtcGFzcw==", "Host": "h:1"}
    assert _check("GET", f"/registries/{RID}/tokens/{TID}", 200, TOKEN, headers=headers) == []


def test_a_response_missing_required_fields_is_flagged() -> None:
    broken = {k: v for k, v in TOKEN.items() if k != "metadata"}
    (violation,) = _check("GET", f"/registries/{RID}/tokens/{TID}", 200, broken)
    assert "invalid response" in violation


def test_an_undocumented_success_status_is_flagged() -> None:
    body = {"properties": {"name": "ci-push"}}
    violations = _check("PUT", f"/registries/{RID}/tokens/{TID}", 200, TOKEN, request_body=body)
    assert any("not in the spec" in v for v in violations)


@pytest.mark.parametrize(
    ("request_body", "headers"),
    [
        ({"properties": {"name": "-bad"}}, None),
        ({"properties": {"name": "ok", "status": "paused"}}, None),
        ({"properties": {"name": "ok"}}, {"Host": "h:1"}),  # no credentials
    ],
)
def test_accepting_an_invalid_request_is_flagged(
    request_body: Any, headers: dict[str, str] | None
) -> None:
    created = dict(TOKEN)
    violations = _check(
        "POST",
        f"/registries/{RID}/tokens",
        201,
        created,
        request_body=request_body,
        headers=headers,
    )
    assert any("accepted an invalid request" in v for v in violations)


def test_rejecting_an_invalid_request_is_fine() -> None:
    error = dict(ERROR, httpStatus=400)
    body = {"properties": {"name": "-bad"}}
    assert _check("POST", f"/registries/{RID}/tokens", 400, error, request_body=body) == []


def test_undocumented_error_statuses_must_carry_an_api_error_body() -> None:
    path = f"/registries/{RID}/tokens"
    assert _check("GET", path, 503, dict(ERROR, httpStatus=503)) == []
    violations = _check("GET", path, 401, {"msg": "Unauthorized"})
    assert violations
    assert all("not an ApiErrorResponse" in v for v in violations)


def test_unknown_operations_must_not_succeed() -> None:
    assert _check("GET", "/nowhere", 404, ERROR) == []
    assert any("unknown operation" in v for v in _check("GET", "/nowhere", 200, {}))
