"""Steps shared by the access review and token owner scenarios."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.devtools.ionos import FakeToken
from bot.devtools.slack import SlackCall
from bot.devtools.slack_driver import text_value
from bot.policy.model import Policy
from bot.store.ownership import OwnershipStore, TokenOwnership
from bot.store.reviews import ReviewStore
from handlers.ids import ActionId, BlockId, Callback
from tests.scenario.harness import Harness, policy_mapping

SCOPES = [{"name": "team/app", "type": "repository", "actions": ["pull", "push"]}]
PROD_ONLY_APPROVER = "UOUT"  # approves prod-registry, not team-registry


def review_policy(**team: Any) -> Policy:
    """The scenario policy, with prod-registry approved by someone else entirely."""
    mapping = policy_mapping()
    mapping["registries"]["prod-registry"]["approvers"] = [PROD_ONLY_APPROVER]
    mapping["registries"]["prod-registry"]["quorum"] = {"push": 1}
    if team:
        mapping["registries"]["team-registry"] = team
    return Policy.from_mapping(mapping)


async def seed(
    harness: Harness,
    name: str,
    *,
    owner: str | None = None,
    registry: str = "team-registry",
    expiry: datetime | None = None,
) -> FakeToken:
    """A token at the IONOS stand-in, with an owner on record when given."""
    reg = harness.registries[registry]
    token = harness.ionos.add_token(reg.id, name, expiry=expiry, scopes=SCOPES)
    if owner is not None:
        await OwnershipStore(harness.redis, harness.keys).record(
            TokenOwnership(
                token_id=token.id,
                owner=owner,
                registry_id=reg.id,
                registry_name=reg.name,
                token_name=name,
                request_id=f"r-{name}",
                created_at=harness.bot.services.clock.now(),
            )
        )
    return token


def store(harness: Harness) -> ReviewStore:
    return ReviewStore(harness.redis, harness.keys)


def campaign_posts(harness: Harness, channel: str) -> list[SlackCall]:
    return [
        c for c in harness.approval_posts(channel) if ActionId.REVIEW_TOKENS in harness.text_of(c)
    ]


def campaign_message(harness: Harness, channel: str) -> dict[str, Any]:
    """The campaign message as it is now in the channel (posted, then updated)."""
    found = [
        m for m in harness.slack.messages_in(channel) if ActionId.REVIEW_TOKENS in json.dumps(m)
    ]
    assert found, f"no campaign message in {channel}"
    return found[-1]


async def open_review(
    harness: Harness, user: str, campaign_id: str, channel: str
) -> dict[str, Any]:
    """Click Review tokens; the modal as the Slack stand-in holds it now."""
    await harness.click(ActionId.REVIEW_TOKENS, user, campaign_id, channel=channel)
    updated = harness.calls("views.update")[-1]
    return harness.slack.view(str(updated.payload["view_id"]))


async def click_in_review(
    harness: Harness,
    user: str,
    view: dict[str, Any],
    action_id: str,
    value: str,
    notes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A click in the review modal, with what was typed in the note fields; the modal after."""
    values = {
        BlockId.review_note(token_id): {ActionId.INPUT: text_value(note)}
        for token_id, note in (notes or {}).items()
    }
    clicked = dict(view) | {"state": {"values": values}}
    reply = await harness.driver.block_action(action_id, user_id=user, value=value, view=clicked)
    assert reply.status == 200, reply.text
    await harness.settle()
    return harness.slack.view(view["id"])


async def decide(
    harness: Harness, user: str, view: dict[str, Any], action_id: str, token_id: str, note: str = ""
) -> dict[str, Any]:
    campaign_id = json.loads(view["private_metadata"])["campaign_id"]
    value = f"{campaign_id}:{token_id}"
    return await click_in_review(harness, user, view, action_id, value, {token_id: note})


def buttons_for(view: dict[str, Any], token_id: str) -> list[str]:
    block = next(
        (b for b in view["blocks"] if b.get("block_id") == BlockId.review_buttons(token_id)), None
    )
    return [e["action_id"] for e in block["elements"]] if block else []


def notice(view: dict[str, Any]) -> str:
    block = next((b for b in view["blocks"] if b.get("block_id") == BlockId.REVIEW_NOTICE), None)
    return str(block["text"]["text"]) if block else ""


def is_review_modal(view: dict[str, Any]) -> bool:
    return view.get("callback_id") == Callback.ACCESS_REVIEW_MODAL
