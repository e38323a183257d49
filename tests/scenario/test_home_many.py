"""A Home with 150 of everything stays within Slack's limits: 100 blocks a view (checked with
every other Block Kit rule by the harness fixture), a count per section, and "Show all"
opening a modal paged through all of them."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.models import Action, RepoScope, TokenAsk
from bot.policy.model import Policy
from bot.store.ownership import OwnershipStore, TokenOwnership
from handlers.ids import ActionId, Callback
from handlers.views.home_list import PER_PAGE
from tests.blockkit import VIEW_BLOCKS
from tests.scenario.harness import Harness, policy_mapping
from tests.scenario.test_home import values_of

MANY = 150

@pytest.fixture
def policy() -> Policy:
    """One person with many open requests: these tests are about Home, not the per-person
    limit (tests/scenario/test_flood.py covers that)."""
    mapping = policy_mapping()
    mapping["defaults"]["max_open_requests_per_user"] = 1000
    return Policy.from_mapping(mapping)



def _ask(harness: Harness, name: str) -> TokenAsk:
    team = harness.registries["team-registry"]
    return TokenAsk(
        registry_id=team.id,
        registry_name=team.name,
        token_name=name,
        scopes=[RepoScope(repository="team/app", actions=frozenset({Action.PULL}))],
        expiry=harness.bot.services.clock.now() + timedelta(days=20),
        reason="<!channel> load test & more",
    )


async def _seed(harness: Harness) -> None:
    """UAPP1 owns 150 tokens, has 150 open requests and 20 decided ones; UDEV has 150
    requests waiting for UAPP1's decision."""
    team = harness.registries["team-registry"]
    ownership = OwnershipStore(harness.redis, harness.keys)
    now = harness.bot.services.clock.now()
    for index in range(MANY):
        token = harness.ionos.add_token(
            team.id,
            f"tok-{index:03d}",
            expiry=now + timedelta(days=200 - index),
            scopes=[
                {"name": f"repo/{n}", "actions": ["pull"], "type": "repository"} for n in range(5)
            ],
        )
        await ownership.record(
            TokenOwnership(
                token_id=token.id,
                owner="UAPP1",
                registry_id=team.id,
                registry_name=team.name,
                token_name=token.name,
                request_id=uuid.uuid4().hex,
                created_at=now,
            )
        )
    flow = harness.bot.services.requests
    for index in range(MANY):
        await flow.record("UAPP1", _ask(harness, f"mine-{index:03d}"), nonce=uuid.uuid4().hex)
        await flow.record("UDEV", _ask(harness, f"theirs-{index:03d}"), nonce=uuid.uuid4().hex)
    for index in range(20):
        done, _ = await flow.record(
            "UAPP1", _ask(harness, f"gone-{index:02d}"), nonce=uuid.uuid4().hex
        )
        await harness.bot.services.withdrawals.cancel(done.id, "UAPP1")


def _text(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


async def test_a_home_with_150_items_stays_within_slacks_limits(harness: Harness) -> None:
    await _seed(harness)

    home = await harness.open_home("UAPP1")

    assert len(home["blocks"]) <= VIEW_BLOCKS
    text = _text(home)
    assert "Your tokens (150)" in text and "Your requests (150 open)" in text
    assert "Waiting for your decision (150)" in text
    assert sorted(values_of(home, ActionId.HOME_SHOW_ALL)) == [
        "decided",
        "requests",
        "tokens",
        "waiting",
    ]
    assert "tok-149" in text and "tok-000" not in text  # soonest expiry first
    assert "<!channel>" not in text  # the reason is shown escaped
    assert len(json.dumps(home).encode()) < 250_000

    await harness.click_home(ActionId.HOME_SHOW_ALL, "UAPP1", "tokens")
    pages = [harness.slack.latest_view()]
    while f"tokens:{len(pages) + 1}" in values_of(pages[-1], ActionId.HOME_PAGE):
        await harness.driver.block_action(
            ActionId.HOME_PAGE, user_id="UAPP1", value=f"tokens:{len(pages) + 1}", view=pages[-1]
        )
        await harness.homes_settled()
        pages.append(harness.slack.latest_view())

    assert len(pages) == -(-MANY // PER_PAGE)
    assert all(p["callback_id"] == Callback.HOME_LIST_MODAL for p in pages)
    assert all(len(p["blocks"]) <= VIEW_BLOCKS for p in pages)
    shown = [v for p in pages for v in values_of(p, ActionId.EXTEND)]
    assert len(shown) == MANY == len(set(shown))  # every token once, across the pages
