"""An owner for every token, over signed HTTP: Assign owner in the digest, `/regtoken adopt`,
after which reminders go to the new owner; who may not assign; owners who leave Slack."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.devtools.slack_driver import user_value
from bot.domain.clock import FakeClock
from bot.policy.model import Policy
from bot.store.ownership import OwnershipStore
from handlers.ids import ActionId, BlockId, Callback
from tests.scenario.harness import APPROVAL_CHANNEL, Harness
from tests.scenario.lifecycle_steps import audit, last_reply
from tests.scenario.review_steps import PROD_ONLY_APPROVER, review_policy, seed


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # 2026-11-26 12:00 UTC: past the digest hour


@pytest.fixture
def policy() -> Policy:
    return review_policy()


async def _sweep(harness: Harness) -> None:
    await harness.bot.reminders.sweep(harness.bot.services.clock.now())
    await harness.settle()


def _select_block(harness: Harness, token_id: str) -> tuple[str, dict[str, Any]]:
    """The block (id, message) in the approval channel carrying this token's Assign owner."""
    for message in harness.slack.messages_in(APPROVAL_CHANNEL):
        for block in message.get("blocks") or []:
            if token_id in str(block.get("block_id", "")):
                assert ActionId.ASSIGN_OWNER in json.dumps(block)
                return str(block["block_id"]), message
    raise AssertionError("no Assign owner for the token in the approval channel")


async def _assign(harness: Harness, user: str, block_id: str, owner: str) -> None:
    reply = await harness.driver.block_action(
        ActionId.ASSIGN_OWNER,
        user_id=user,
        block_id=block_id,
        selected_user=owner,
        channel_id=APPROVAL_CHANNEL,
    )
    assert reply.status == 200
    await harness.settle()


async def _owner(harness: Harness, token_id: str) -> str | None:
    owned = await OwnershipStore(harness.redis, harness.keys).get(token_id)
    return owned.owner if owned else None


def _reminders_to(harness: Harness, user: str, token_id: str) -> list[dict[str, Any]]:
    return [
        m
        for m in harness.slack.messages_in(f"D{user}")
        if token_id in json.dumps(m)
        and any(b.get("block_id") == BlockId.REMINDER_ACTIONS for b in m.get("blocks") or [])
    ]


async def test_assign_owner_from_the_digest_then_reminders_go_to_them(
    harness: Harness, clock: FakeClock
) -> None:
    stray = await seed(harness, "stray", expiry=clock.now() + timedelta(days=2))
    await _sweep(harness)
    block_id, digest = _select_block(harness, stray.id)
    assert "digest" in digest["text"]

    await _assign(harness, "UAPP1", block_id, "UDEV")
    assert "now belongs to <@UDEV>" in last_reply(harness)
    assert await _owner(harness, stray.id) == "UDEV"
    assert any("You now own" in harness.text_of(c) for c in harness.dms_to("UDEV"))
    [assigned] = [e for e in await audit(harness, token=stray.id) if e.action == "owner_assigned"]
    assert (assigned.actor, assigned.detail) == ("UAPP1", "token stray: owner nobody -> UDEV")

    clock.advance(timedelta(days=1, minutes=1))  # the 1d threshold: to the owner now
    await _sweep(harness)
    assert len(_reminders_to(harness, "UDEV", stray.id)) == 1
    await harness.command("list", "UDEV")
    assert "stray" in last_reply(harness)
    await harness.command("disable team-registry stray", "UDEV")  # managed like their own
    team = harness.registries["team-registry"].id
    assert harness.ionos.token(team, stray.id).status == "disabled"  # type: ignore[union-attr]


async def _adopt_modal(harness: Harness, user: str, text: str) -> dict[str, Any]:
    await harness.command(f"adopt {text}", user)
    return harness.last_opened_view()


async def _submit(harness: Harness, user: str, view: dict[str, Any], owner: str | None) -> Any:
    reply = await harness.driver.view_submission(
        Callback.ADOPT_MODAL,
        user_id=user,
        values={BlockId.OWNER: {ActionId.INPUT: user_value(owner)}},
        private_metadata=view["private_metadata"],
        view=view,
    )
    await harness.settle()
    return reply


async def test_adopt_by_command_then_reminders_go_to_the_new_owner(
    harness: Harness, clock: FakeClock
) -> None:
    legacy = await seed(harness, "legacy", expiry=clock.now() + timedelta(hours=20))
    view = await _adopt_modal(harness, "UAPP1", "team-registry legacy")
    assert view["callback_id"] == Callback.ADOPT_MODAL and "legacy" in json.dumps(view)
    reply = await _submit(harness, "UAPP1", view, "UDEV")
    assert reply.status == 200 and not reply.text
    assert await _owner(harness, legacy.id) == "UDEV"
    assert any("now belongs to" in harness.text_of(c) for c in harness.dms_to("UAPP1"))
    assert any("You now own" in harness.text_of(c) for c in harness.dms_to("UDEV"))

    await _sweep(harness)
    assert len(_reminders_to(harness, "UDEV", legacy.id)) == 1


async def test_a_typed_name_is_never_taken_for_the_owner(harness: Harness) -> None:
    legacy = await seed(harness, "legacy")
    opened = len(harness.calls("views.open"))
    await harness.command("adopt team-registry legacy @UDEV", "UAPP1")
    assert "pick the owner in the form" in last_reply(harness)
    assert len(harness.calls("views.open")) == opened
    assert await _owner(harness, legacy.id) is None


@pytest.mark.parametrize("who", ["UDEV", PROD_ONLY_APPROVER])
async def test_only_the_registrys_approvers_assign_owners(harness: Harness, who: str) -> None:
    legacy = await seed(harness, "legacy")
    view = await _adopt_modal(harness, who, "team-registry legacy")
    assert view["callback_id"] != Callback.ADOPT_MODAL
    assert "Only the approvers of `team-registry`" in json.dumps(view)
    await _sweep(harness)
    block_id, _ = _select_block(harness, legacy.id)
    await _assign(harness, who, block_id, who)  # from the digest's select
    assert "Only the approvers of `team-registry`" in last_reply(harness)
    # a modal made for an approver, submitted by someone else
    approver_view = await _adopt_modal(harness, "UAPP1", "team-registry legacy")
    await _submit(harness, who, approver_view, who)
    assert await _owner(harness, legacy.id) is None
    refused = [e for e in await audit(harness) if e.action == "refused" and e.actor == who]
    assert len(refused) == 3


async def test_forged_and_stale_choices_change_nothing(harness: Harness) -> None:
    legacy = await seed(harness, "legacy")
    view = await _adopt_modal(harness, "UAPP1", "team-registry legacy")
    reply = await _submit(harness, "UAPP1", view, "<@UDEV>")  # not a user id at all
    assert reply.json["response_action"] == "errors" and BlockId.OWNER in reply.json["errors"]
    for forged in ("UNOBODY1", "UBOT"):  # nobody in Slack; a bot
        await _submit(harness, "UAPP1", view, forged)
        assert "not an active person" in harness.text_of(harness.dms_to("UAPP1")[-1])
    assert await _owner(harness, legacy.id) is None

    team = harness.registries["team-registry"].id
    del harness.ionos.registry(team).tokens[legacy.id]  # type: ignore[union-attr]
    await _submit(harness, "UAPP1", view, "UDEV")  # the modal outlived its token
    assert "no longer exists" in harness.text_of(harness.dms_to("UAPP1")[-1])
    assert await _owner(harness, legacy.id) is None
    details = [e.detail for e in await audit(harness, token=legacy.id) if e.action == "refused"]
    assert details == [
        "assign owner: UNOBODY1 is unreachable",
        "assign owner: UBOT is bot",
        "assign owner: token gone",
    ]


async def test_a_deactivated_owner_is_reported_once(harness: Harness, clock: FakeClock) -> None:
    token = await seed(harness, "ci-push", owner="UDEV")
    ghost = await seed(harness, "old-job", owner="UGHOST1")  # unknown to Slack
    harness.slack.deactivate_user("UDEV")
    for _ in range(3):
        await _sweep(harness)
        clock.advance(timedelta(minutes=15))

    def reports(words: str) -> list[dict[str, Any]]:
        return [m for m in harness.slack.messages_in(APPROVAL_CHANNEL) if words in m["text"]]

    [left] = reports("was deactivated")
    assert "ci-push" in left["text"] and ActionId.DISABLE_NOW in json.dumps(left)
    [gone] = reports("can no longer be reached")
    assert "old-job" in gone["text"]
    for token_id in (token.id, ghost.id):
        entries = [e for e in await audit(harness, token=token_id) if e.action == "owner_left"]
        assert len(entries) == 1

    block_id, _ = _select_block(harness, token.id)
    await _assign(harness, "UAPP2", block_id, "UAPP1")
    assert await _owner(harness, token.id) == "UAPP1"


async def test_a_failed_group_lookup_refuses_assigning_and_audits_it(
    harness: Harness, clock: FakeClock
) -> None:
    """Slack cannot say who is in team-registry's approver group: `adopt`, the adopt form and
    the digest's Assign owner are refused in words, audited as "could not verify", and the
    token keeps having no owner."""
    legacy = await seed(harness, "legacy")
    await _sweep(harness)
    block_id, _ = _select_block(harness, legacy.id)
    view = await _adopt_modal(harness, "UAPP1", "team-registry legacy")
    assert view["callback_id"] == Callback.ADOPT_MODAL
    clock.advance(timedelta(seconds=harness.bot.services.policy.usergroup_cache_seconds + 1))
    harness.slack.fail("usergroups.users.list", error="ratelimited", times=10)

    refusal = await _adopt_modal(harness, "UAPP1", "team-registry legacy")
    assert refusal["callback_id"] != Callback.ADOPT_MODAL
    assert "could not check" in json.dumps(refusal)
    await _assign(harness, "UAPP1", block_id, "UDEV")
    assert "could not check" in last_reply(harness)
    await _submit(harness, "UAPP1", view, "UDEV")
    assert "could not check" in harness.text_of(harness.dms_to("UAPP1")[-1])
    assert await _owner(harness, legacy.id) is None

    refused = [e for e in await audit(harness) if e.action == "refused" and e.actor == "UAPP1"]
    assert len(refused) == 3, refused
    assert all("could not verify" in e.detail for e in refused), refused
