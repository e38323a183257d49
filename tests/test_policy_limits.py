"""`max_open_requests_per_user`: how many requests one person may have waiting for approval on a
registry (issue #11, item 6) — a default, a per-registry override, one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.policy.model import Policy, PolicyError

EXAMPLE = Path(__file__).resolve().parent.parent / "policy.example.yml"


def _policy(defaults: dict[str, Any], registries: dict[str, Any] | None = None) -> Policy:
    base = {"approvers": ["UALICE"], "approval_channel": "CAPPROVE"}
    return Policy.from_mapping({"defaults": base | defaults, "registries": registries or {}})


def test_the_limit_defaults_to_five_and_a_registry_may_set_its_own() -> None:
    policy = _policy({}, {"prod-registry": {"max_open_requests_per_user": 2}, "team": None})
    assert policy.for_registry("team").max_open_requests_per_user == 5
    assert policy.for_registry("any-other").max_open_requests_per_user == 5
    assert policy.for_registry("prod-registry").max_open_requests_per_user == 2
    assert (
        _policy({"max_open_requests_per_user": 9}).for_registry("x").max_open_requests_per_user == 9
    )


def test_the_example_file_documents_the_limit() -> None:
    policy = Policy.load(EXAMPLE)
    assert policy.defaults.max_open_requests_per_user == 5  # the default, as shown
    assert policy.for_registry("prod-registry").max_open_requests_per_user == 3
    readme = (EXAMPLE.parent / "README.md").read_text(encoding="utf-8")
    assert "`defaults.max_open_requests_per_user` | `5`" in readme


@pytest.mark.parametrize(
    ("defaults", "registries", "field"),
    [
        ({"max_open_requests_per_user": 0}, None, "defaults.max_open_requests_per_user"),
        ({"max_open_requests_per_user": "5"}, None, "defaults.max_open_requests_per_user"),
        (
            {},
            {"prod-registry": {"max_open_requests_per_user": -1}},
            "registries.prod-registry.max_open_requests_per_user",
        ),
        ({"max_open_request_per_user": 5}, None, "defaults.max_open_request_per_user"),
    ],
)
def test_a_wrong_limit_is_one_line_naming_the_field(
    defaults: dict[str, Any], registries: dict[str, Any] | None, field: str
) -> None:
    with pytest.raises(PolicyError) as raised:
        _policy(defaults, registries)
    message = str(raised.value)
    assert "\n" not in message
    assert field in message
