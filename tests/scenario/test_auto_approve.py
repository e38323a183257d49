"""Self-service rules over signed HTTP: a request that fits ``short-pulls`` is collectable with
no approver's click and the approval channel is told; the rule's daily cap sends the 4th
request of the day to the approvers; a push request is not approved by a pull rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.models import RequestState
from bot.policy.model import Policy
from bot.store.audit import AuditLog
from handlers.ids import ActionId
from tests.scenario.harness import APPROVAL_CHANNEL, Harness
from tests.scenario.rules_world import rules_policy_mapping


@pytest.fixture
def policy() -> Policy:
    return Policy.from_mapping(rules_policy_mapping())


async def _ask_pull(harness: Harness, name: str, *, repo: str = "team/app") -> None:
    reply = await harness.submit_request(
        "UDEV",
        name=name,
        scopes=[(repo, ["pull"])],
        expiry=harness.today() + timedelta(days=5),
    )
    assert reply.status == 200 and not reply.text, reply.text


async def test_a_fitting_request_is_collectable_without_an_approver(harness: Harness) -> None:
    await _ask_pull(harness, "ci-pull")

    (post,) = harness.approval_posts()
    text = harness.text_of(post)
    assert "short-pulls" in text and "ci-pull" in text  # the approvers see what passed
    assert ActionId.APPROVE not in text and ActionId.REVIEW not in text  # nothing to click
    request_id = harness.button_value(harness.dms_to("UDEV")[-1], ActionId.COLLECT)
    stored = await harness.bot.services.requests.get(request_id)
    assert stored.state is RequestState.APPROVED and stored.auto_rule == "short-pulls"
    assert stored.approvals == []  # nobody clicked

    await harness.collect("UDEV", request_id)
    (token,) = harness.ionos.tokens(harness.registries["team-registry"].id)
    assert token.name == "ci-pull" and token.password in harness.text_of(
        harness.ephemerals_to("UDEV")[-1]
    )
    entries = await AuditLog(harness.redis, harness.keys).latest(20, request_id=request_id)
    approved = [e for e in entries if e.action == "approved"]
    assert [e.actor for e in approved] == ["regbot"]
    assert "auto-approved by rule short-pulls (1 of 3 today)" in approved[0].detail


async def test_the_fourth_request_of_the_day_goes_to_the_approvers(harness: Harness) -> None:
    for index in range(4):
        await _ask_pull(harness, f"ci-pull-{index}")

    posts = harness.approval_posts()
    assert len(posts) == 4
    assert [ActionId.APPROVE in harness.text_of(p) for p in posts] == [False] * 3 + [True]
    fourth = harness.button_value(posts[-1], ActionId.APPROVE)
    assert (await harness.bot.services.requests.get(fourth)).state is RequestState.PENDING
    entries = await AuditLog(harness.redis, harness.keys).latest(5, request_id=fourth)
    assert any("short-pulls is at its cap of 3 today" in e.detail for e in entries)

    await harness.click(ActionId.APPROVE, "UAPP1", fourth)  # the usual path still works
    assert (await harness.bot.services.requests.get(fourth)).state is RequestState.APPROVED


async def test_a_push_request_is_not_approved_by_a_pull_rule(harness: Harness) -> None:
    reply = await harness.submit_request(
        "UDEV",
        name="ci-push",
        scopes=[("team/app", ["pull", "push"])],
        expiry=harness.today() + timedelta(days=5),
    )
    assert reply.status == 200 and not reply.text

    request_id = await harness.request_id_posted(APPROVAL_CHANNEL)
    assert (await harness.bot.services.requests.get(request_id)).state is RequestState.PENDING
    assert "waiting for approval" in harness.text_of(harness.dms_to("UDEV")[-1])


@pytest.mark.parametrize(
    ("repo", "days"),
    [("other/app", 5), ("team/app", 20), ("*", 5)],
    ids=["outside-team", "too-long", "all-repositories"],
)
async def test_a_request_outside_the_rule_takes_the_normal_path(
    harness: Harness, repo: str, days: int
) -> None:
    reply = await harness.submit_request(
        "UDEV",
        name="ci-pull",
        scopes=[(repo, ["pull"])],
        expiry=harness.today() + timedelta(days=days),
    )
    assert reply.status == 200 and not reply.text
    request_id = await harness.request_id_posted(APPROVAL_CHANNEL)
    assert (await harness.bot.services.requests.get(request_id)).state is RequestState.PENDING
