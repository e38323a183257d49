"""The IONOS stand-in checked against the official OpenAPI spec with schemathesis: 0 violations.

The stand-in runs in a thread with its own event loop (schemathesis calls it synchronously
through `requests`), seeded with one registry and one token whose ids are fixed in the paths,
so the generated cases reach the operations rather than 404. Only the operations the stand-in
implements are generated; the spec is the vendored one with its combined security requirement
split per scheme (tests/ionos/contract.py). Positive and negative cases, every default check.

One check is narrowed, not switched off: `positive_data_acceptance` expects every
schema-valid request to be accepted, but the spec types ``limit``, ``offset`` and
``pagination.token`` as free strings, ``expiryDate`` as any date-time and scope fields as any
string, while documenting a 400 for every one of these operations. The stand-in (like IONOS)
answers such values with that documented 400 — so a 400 to a positive case is accepted when,
and only when, its error code names one of those semantic rules (`SEMANTIC_400`).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from bot.devtools.ionos import FakeIonos, FakeRegistry, FakeToken, serve_fake_ionos
from tests.ionos.contract import load_spec_dict

pytestmark = pytest.mark.reliability

IMPLEMENTED = {
    ("GET", "/locations"),
    ("GET", "/registries"),
    ("GET", "/registries/{registryId}"),
    ("GET", "/registries/{registryId}/tokens"),
    ("POST", "/registries/{registryId}/tokens"),
    ("GET", "/registries/{registryId}/tokens/{tokenId}"),
    ("PUT", "/registries/{registryId}/tokens/{tokenId}"),
    ("PATCH", "/registries/{registryId}/tokens/{tokenId}"),
    ("DELETE", "/registries/{registryId}/tokens/{tokenId}"),
}
SEMANTIC_400 = {
    "INVALID_PAGINATION",  # limit/offset not integers, an unknown pagination.token
    "INVALID_EXPIRY_DATE",  # less than 1 hour ahead (IONOS's documented rule)
    "INVALID_SCOPES",  # an empty scope type, an action other than pull/push/delete
    "NAME_IMMUTABLE",  # a PUT renaming an existing token
}
EXAMPLES = 30  # per operation and generation mode
AUTH = {"Authorization": "Bearer fake-token"}


def _json_ready(value: Any) -> Any:
    """The spec as JSON would carry it (YAML turned unquoted examples into datetimes)."""
    if isinstance(value, datetime | date):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(type(value))


class Served:
    """The stand-in served from a thread; `reseed` puts the fixed token back if a case
    deleted it (the DELETE and PUT cases need it to exist)."""

    def __init__(self) -> None:
        self.fake = FakeIonos()
        self.registry: FakeRegistry = self.fake.add_registry("team-registry")
        self.token: FakeToken = self.fake.add_token(self.registry.id, "seeded")
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Served:
        self._thread.start()
        assert self._ready.wait(10), "the stand-in did not start"
        return self

    def __exit__(self, *_: object) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with serve_fake_ionos(self.fake) as url:
            self.url = url
            self._ready.set()
            await self._stop.wait()

    def reseed(self) -> None:
        def put_back() -> None:
            existing = self.fake.token(self.registry.id, self.token.id)
            if existing is None or existing.name != self.token.name:
                self.registry.tokens.pop(self.token.id, None)
                self.fake.add_token(self.registry.id, self.token.name, id=self.token.id)

        done = threading.Event()
        self._loop.call_soon_threadsafe(lambda: (put_back(), done.set()))
        assert done.wait(5)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with Served() as server:
        yield server


def _operations() -> list[Any]:
    spec = json.loads(json.dumps(load_spec_dict(), default=_json_ready))
    schema = schemathesis.openapi.from_dict(spec)
    found = [result.ok() for result in schema.get_all_operations()]
    chosen = [op for op in found if (op.method.upper(), op.path) in IMPLEMENTED]
    assert {(op.method.upper(), op.path) for op in chosen} == IMPLEMENTED
    return chosen


OPERATIONS = _operations()


@pytest.mark.parametrize(
    "operation", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS]
)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_stand_in_keeps_the_official_spec(
    served: Served, operation: Any, mode: GenerationMode
) -> None:
    fixed = {"registryId": served.registry.id, "tokenId": served.token.id}
    path_parameters = {k: v for k, v in fixed.items() if "{" + k + "}" in operation.path}
    statuses: Counter[int] = Counter()
    semantic: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode, path_parameters=path_parameters or None))
    def check(case: Any) -> None:
        served.reseed()
        response = case.call(base_url=served.url, headers=AUTH)
        statuses[response.status_code] += 1
        if mode is GenerationMode.POSITIVE and response.status_code == 400:
            code = response.json()["messages"][0]["errorCode"]
            assert code in SEMANTIC_400, response.text
            semantic[code] += 1
            case.validate_response(
                response, headers=AUTH, excluded_checks=[positive_data_acceptance]
            )
        else:
            case.validate_response(response, headers=AUTH)  # every default check

    check()
    print(
        f"{operation.method.upper()} {operation.path} [{mode.value}]:",
        dict(statuses),
        dict(semantic),
    )
    assert statuses, "no case was run"
