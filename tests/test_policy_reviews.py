"""The policy's ``reviews: {every_days, due_days}``, per registry like the other fields."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.policy.model import Policy, PolicyError

EXAMPLE = Path(__file__).resolve().parent.parent / "policy.example.yml"


def _policy(defaults: dict[str, Any] | None = None, **registries: Any) -> Policy:
    base = {"approvers": ["UALICE"], "approval_channel": "CAPPROVE"} | (defaults or {})
    return Policy.from_mapping({"defaults": base, "registries": registries})


def test_absent_means_no_scheduled_reviews_and_a_14_day_due_date() -> None:
    rules = _policy().for_registry("any-registry")
    assert rules.reviews is None
    assert rules.review_due == timedelta(days=14)


def test_defaults_apply_and_a_registry_replaces_them() -> None:
    policy = _policy(
        {"reviews": {"every_days": 90}},
        **{"prod-registry": {"reviews": {"every_days": 30, "due_days": 7}}, "dev-registry": None},
    )
    dev = policy.for_registry("dev-registry").reviews
    assert dev is not None and (dev.every_days, dev.due_days) == (90, 14)
    prod = policy.for_registry("prod-registry")
    assert prod.reviews is not None and prod.reviews.every == timedelta(days=30)
    assert prod.review_due == timedelta(days=7)


def test_the_example_shows_a_schedule() -> None:
    prod = Policy.load(EXAMPLE).for_registry("prod-registry").reviews
    assert prod is not None and (prod.every_days, prod.due_days) == (90, 14)


@pytest.mark.parametrize(
    ("reviews", "words"),
    [
        (
            {"every_days": 7, "due_days": 14},
            "registries.prod-registry.reviews: due_days must be <=",
        ),
        ({"due_days": 14}, "registries.prod-registry.reviews.every_days"),
        ({"every_days": 0}, "registries.prod-registry.reviews.every_days"),
        ({"every_days": 90, "every": 3}, "registries.prod-registry.reviews.every"),
    ],
)
def test_wrong_values_are_one_line_naming_the_field(reviews: dict[str, Any], words: str) -> None:
    with pytest.raises(PolicyError) as caught:
        _policy(**{"prod-registry": {"reviews": reviews}})
    message = str(caught.value)
    assert words in message and "\n" not in message
