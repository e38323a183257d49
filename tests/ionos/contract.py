"""Contract checking: every exchange with the IONOS stand-in is validated against the spec.

`ContractChecker.hook` is installed with `FakeIonos.add_exchange_hook`; it validates each
request and each response with openapi-core against the vendored spec and collects the
violations instead of raising (the hook runs inside the server; an exception there would
only turn into a 500). The fixture that installs it asserts at teardown that there were none.

Rules, both directions:

* A request the spec rejects (bad pattern, missing field, no auth) must not be *accepted*: the
  stand-in answering it with 2xx is a violation. Answering it with 4xx is the point.
* A response with a status the operation documents is validated with openapi-core. An error
  status the spec does not list for that operation (401, 404 on some, 409 here, 429, 503) is
  validated as an `ApiErrorResponse` body. A *success* status the spec does not list is a
  violation.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathError
from openapi_schema_validator import OAS30Validator

from bot.devtools.ionos import FakeIonos, serve_fake_ionos

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "spec" / "ionos-container-registry-openapi.yaml"

_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def load_spec_dict(path: Path = SPEC_PATH) -> dict[str, Any]:
    """The vendored spec, adjusted in memory (the file on disk stays as published):

    * Security: the generator put ``basicAuth`` and ``tokenAuth`` into ONE requirement
      object, which in OpenAPI means "both at once". No client sends two Authorization
      headers; the SDKs send Basic OR Bearer and the newer v1.2.2 docs list them as
      alternatives (see shared/reference/ionos-tokens-api.md §1). So each combined
      requirement is split into one requirement per scheme.
    * Servers: the spec names https://api.ionos.com/containerregistries; the stand-in
      serves the same paths at the root of whatever host and port it got, so the server
      becomes the relative "/".
    """
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec = copy.deepcopy(raw)
    spec["servers"] = [{"url": "/"}]
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            operation["security"] = [
                {scheme: scopes}
                for requirement in operation.get("security", [])
                for scheme, scopes in requirement.items()
            ]
    return spec


@cache
def _openapi() -> tuple[OpenAPI, dict[str, Any]]:
    spec = load_spec_dict()
    return OpenAPI.from_dict(spec), spec


@dataclass
class _OARequest:
    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters


@dataclass
class _OAResponse:
    data: bytes
    status_code: int
    content_type: str
    headers: CIMultiDict[str] | CIMultiDictProxy[str]


def _describe(error: BaseException) -> str:
    parts = [f"{type(error).__name__}: {error}"]
    cause = error.__cause__
    while cause is not None:
        parts.append(f"{type(cause).__name__}: {cause}")
        for sub in getattr(cause, "schema_errors", ()) or ():
            parts.append(f"  - {getattr(sub, 'message', sub)}")
        cause = cause.__cause__
    return " <- ".join(parts)


@dataclass
class ContractChecker:
    """Collects contract violations of the exchanges it is shown."""

    violations: list[str] = field(default_factory=list)
    exchanges: int = 0

    def hook(
        self,
        request: web.Request,
        request_body: bytes,
        response: web.StreamResponse,
        response_body: bytes,
    ) -> None:
        self.exchanges += 1
        openapi, spec = _openapi()
        where = f"{request.method} {request.path_qs} -> {response.status}"
        oa_request = _OARequest(
            host_url=f"{request.url.scheme}://{request.url.host}:{request.url.port}",
            path=request.path,
            method=request.method.lower(),
            body=request_body or None,
            content_type=request.content_type if request_body else "",
            parameters=RequestParameters(
                query=request.query, header=request.headers, cookie=request.cookies
            ),
        )
        status = response.status
        accepted = status < 400
        try:
            request_errors = list(openapi.iter_request_errors(oa_request))
        except PathError as exc:  # not an operation of the spec at all
            if accepted:
                self.violations.append(f"{where}: accepted an unknown operation ({exc})")
            else:
                self._check_error_body(where, response_body)
            return
        for path_error in request_errors:
            if isinstance(path_error, PathError):
                if accepted:
                    self.violations.append(f"{where}: accepted an unknown operation")
                else:
                    self._check_error_body(where, response_body)
                return
        if request_errors and accepted:
            for error in request_errors:
                self.violations.append(f"{where}: accepted an invalid request: {_describe(error)}")

        documented = self._documented_statuses(spec, request)
        if str(status) in documented or "default" in documented:
            oa_response = _OAResponse(
                data=response_body,
                status_code=status,
                content_type=response.content_type if response_body else "",
                headers=response.headers,
            )
            for error in openapi.iter_response_errors(oa_request, oa_response):
                self.violations.append(f"{where}: invalid response: {_describe(error)}")
        elif status >= 400:
            self._check_error_body(where, response_body)
        else:
            self.violations.append(f"{where}: success status {status} not in the spec")

    def _documented_statuses(self, spec: dict[str, Any], request: web.Request) -> set[str]:
        segments = request.path.strip("/").split("/")
        for template, item in spec["paths"].items():
            parts = template.strip("/").split("/")
            if len(parts) != len(segments):
                continue
            if all(p.startswith("{") or p == s for p, s in zip(parts, segments, strict=True)):
                operation = item.get(request.method.lower())
                if operation is not None:
                    return set(operation.get("responses", {}))
        return set()

    def _check_error_body(self, where: str, body: bytes) -> None:
        _, spec = _openapi()
        try:
            data = json.loads(body)
        except ValueError:
            self.violations.append(f"{where}: error body is not JSON: {body[:80]!r}")
            return
        schema = {"$ref": "#/components/schemas/ApiErrorResponse", "components": spec["components"]}
        validator = OAS30Validator(schema)
        for error in validator.iter_errors(data):
            self.violations.append(
                f"{where}: error body is not an ApiErrorResponse: {error.message}"
            )

    def assert_clean(self) -> None:
        assert not self.violations, "contract violations:\n" + "\n".join(self.violations)


@asynccontextmanager
async def contract_checked(fake: FakeIonos) -> AsyncIterator[str]:
    """Serve ``fake`` with a contract checker installed; fail on exit if anything broke it."""
    checker = ContractChecker()
    fake.add_exchange_hook(checker.hook)
    async with serve_fake_ionos(fake) as url:
        yield url
    checker.assert_clean()
