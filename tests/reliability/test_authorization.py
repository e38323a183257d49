"""Every authorization rule: the wrong person is refused, nothing changes, and the refusal is
in the audit trail. Rules already proven refused-and-audited in tests/scenario/ are listed in
docs/reliability.md and not repeated here (outsider/self Approve click, outsider Review click,
widening a request, a second approval by the same person, deciding a decided request).

Roles (tests/reliability/rig.py): UAPP1 approves team-registry only, UPROD prod-registry
only, UAPP2 both; UDEV requests; UOUT is nobody.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.devtools.slack_driver import select_value, text_value
from bot.domain.clock import FakeClock
from bot.domain.models import RequestState
from bot.store.audit import AuditEntry, AuditLog
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.approval import ReviewMeta
from tests.reliability.flow import last_reply, state, submitted
from tests.reliability.rig import PROD_APPROVER
from tests.scenario.harness import PROD_APPROVAL_CHANNEL, Harness

pytestmark = pytest.mark.reliability


async def _refusals(
    harness: Harness, *, request_id: str | None = None, token: str | None = None
) -> list[AuditEntry]:
    entries = await AuditLog(harness.redis, harness.keys).latest(
        100, request_id=request_id, token=token
    )
    return [e for e in entries if str(e.action) == "refused"]


async def _prod_request(harness: Harness) -> str:
    await harness.submit_request(
        "UDEV", registry="prod-registry", name="prod-pull", scopes=[("prod/app", ["pull"])]
    )
    return await harness.request_id_posted(PROD_APPROVAL_CHANNEL)


async def _review(harness: Harness, user: str, request_id: str, decision: str) -> None:
    reply = await harness.driver.view_submission(
        Callback.REVIEW_MODAL,
        user_id=user,
        values={
            BlockId.DECISION: {ActionId.INPUT: select_value(decision)},
            BlockId.COMMENT: {ActionId.INPUT: text_value("forged review")},
        },
        private_metadata=ReviewMeta(request_id=request_id).model_dump_json(),
    )
    await harness.settle()
    assert reply.status == 200


# -- deciding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "user"), [("prod-registry", "UAPP1"), ("team-registry", PROD_APPROVER)]
)
async def test_an_approver_of_another_registry_cannot_approve(
    rig: Harness, registry: str, user: str
) -> None:
    request_id = await _prod_request(rig) if registry == "prod-registry" else await submitted(rig)
    await rig.click(ActionId.APPROVE, user, request_id)
    assert "Only approvers" in last_reply(rig)
    assert await state(rig, request_id) is RequestState.PENDING
    (refused,) = await _refusals(rig, request_id=request_id)
    assert refused.actor == user and "not_approver" in refused.detail


async def test_an_outsider_cannot_open_the_deny_form(rig: Harness) -> None:
    request_id = await submitted(rig)
    await rig.click(ActionId.DENY, "UOUT", request_id)
    assert "Only approvers" in last_reply(rig)
    assert rig.calls("views.open")[-1].payload["view"]["callback_id"] != Callback.REVIEW_MODAL
    assert [e.actor for e in await _refusals(rig, request_id=request_id)] == ["UOUT"]


@pytest.mark.parametrize("decision", ["approve", "deny"])
async def test_a_forged_review_form_from_a_non_approver_is_refused(
    rig: Harness, decision: str
) -> None:
    request_id = await _prod_request(rig)
    await _review(rig, "UAPP1", request_id, decision)  # approves team-registry, not prod
    assert await state(rig, request_id) is RequestState.PENDING
    assert "Only approvers" in rig.text_of(rig.calls("chat.postMessage")[-1])
    assert [e.actor for e in await _refusals(rig, request_id=request_id)] == ["UAPP1"]


async def test_a_forged_stale_review_form_shows_an_outsider_nothing(rig: Harness) -> None:
    """A forged review form naming an older version of another registry's request: regbot
    must not answer with the review modal of the request as it is now (reason, scopes, the
    requester's other tokens) — the outsider is refused in words and audited, as for any
    forged review."""
    request_id = await _prod_request(rig)
    reply = await rig.driver.view_submission(
        Callback.REVIEW_MODAL,
        user_id="UAPP1",  # approves team-registry only
        values={BlockId.DECISION: {ActionId.INPUT: select_value("approve")}},
        private_metadata=ReviewMeta(request_id=request_id, version=7).model_dump_json(),
    )
    await rig.settle()
    assert reply.status == 200
    answer = reply.json or {}
    assert answer.get("response_action") != "update", answer
    assert "prod-pull" not in json.dumps(answer) and "CI pipeline" not in json.dumps(answer)
    assert await state(rig, request_id) is RequestState.PENDING
    assert "Only approvers" in rig.text_of(rig.calls("chat.postMessage")[-1])
    refused = await _refusals(rig, request_id=request_id)
    assert [e.actor for e in refused] == ["UAPP1"] and "not_approver" in refused[0].detail


async def test_a_requester_cannot_approve_their_own_request_through_the_form(
    rig: Harness,
) -> None:
    request_id = await submitted(rig, user="UAPP1")  # an approver asking for a token
    await _review(rig, "UAPP1", request_id, "approve")
    assert await state(rig, request_id) is RequestState.PENDING
    (refused,) = await _refusals(rig, request_id=request_id)
    assert refused.actor == "UAPP1" and "self_approval" in refused.detail


# -- collecting -----------------------------------------------------------------------------


async def test_only_the_requester_can_collect_and_nothing_is_created(rig: Harness) -> None:
    request_id = await submitted(rig)
    await rig.click(ActionId.APPROVE, "UAPP1", request_id)
    await rig.click(ActionId.COLLECT, "UAPP1", request_id, channel="DUAPP1")
    assert "Only the person who asked" in last_reply(rig)
    assert [r for r in rig.ionos.requests if r.method == "POST"] == []
    assert await state(rig, request_id) is RequestState.APPROVED


async def test_a_collect_by_someone_else_is_audited(rig: Harness) -> None:
    request_id = await submitted(rig)
    await rig.click(ActionId.APPROVE, "UAPP1", request_id)
    await rig.click(ActionId.COLLECT, "UOUT", request_id, channel="DUOUT")
    assert [e.actor for e in await _refusals(rig, request_id=request_id)] == ["UOUT"]


# -- looking after tokens -------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["show", "disable", "enable", "delete"])
async def test_a_stranger_cannot_touch_someone_elses_token(rig: Harness, verb: str) -> None:
    token_id = await rig.issue_token("UDEV")
    registry_id = rig.registries["team-registry"].id
    before = len(rig.ionos.requests)
    await rig.command(f"{verb} team-registry {token_id}", "UOUT")
    assert "Only the token's owner" in last_reply(rig)
    changes = [r for r in rig.ionos.requests[before:] if r.method not in ("GET", "HEAD")]
    assert changes == []
    assert rig.ionos.token(registry_id, token_id).status == "enabled"
    (refused,) = await _refusals(rig, token=token_id)
    assert refused.actor == "UOUT"
    assert refused.detail.startswith("see" if verb == "show" else verb)


@pytest.mark.parametrize("user", ["UOUT", "UAPP1"])  # nobody; an approver of team only
async def test_a_forged_delete_button_naming_another_registry_is_refused(
    rig: Harness, user: str
) -> None:
    token_id = await rig.issue_token(
        "UAPP2", registry="prod-registry", name="prod-pull", approver=PROD_APPROVER
    )
    registry_id = rig.registries["prod-registry"].id
    await rig.click(ActionId.CONFIRM_DELETE, user, f"{registry_id}:{token_id}", channel="DUDEV")
    assert "Only the token's owner" in last_reply(rig)
    assert rig.ionos.token(registry_id, token_id) is not None
    assert [r for r in rig.ionos.requests if r.method == "DELETE"] == []
    assert [e.actor for e in await _refusals(rig, token=token_id)] == [user]


async def test_a_stranger_lists_only_their_own_tokens(rig: Harness) -> None:
    await rig.issue_token("UDEV")
    await rig.command("list team-registry", "UOUT")
    assert "ci-push" not in last_reply(rig)
    await rig.command("list team-registry", "UAPP1")  # an approver sees every token
    assert "ci-push" in last_reply(rig)


async def test_pending_shows_only_what_the_person_may_decide(rig: Harness) -> None:
    await _prod_request(rig)
    await rig.command("pending", "UAPP1")
    assert "prod-registry" not in last_reply(rig)
    await rig.command("pending", PROD_APPROVER)
    assert "prod-registry" in last_reply(rig)


@pytest.mark.parametrize("args", ["audit", "audit prod-registry"])
async def test_the_audit_trail_is_refused_to_non_approvers(rig: Harness, args: str) -> None:
    await _prod_request(rig)
    user = "UOUT" if args == "audit" else "UAPP1"
    await rig.command(args, user)
    assert "for approvers" in last_reply(rig) or "for its approvers" in last_reply(rig)
    assert "prod-pull" not in last_reply(rig)


async def test_a_refused_audit_trail_request_is_audited(rig: Harness) -> None:
    await rig.command("audit team-registry", "UOUT")
    refused = await _refusals(rig)
    assert [e.actor for e in refused] == ["UOUT"]


async def test_an_approver_reads_only_the_audit_trail_of_registries_they_approve(
    rig: Harness,
) -> None:
    """UPROD approves prod-registry only, UAPP1 team-registry only: neither reads the
    other's entries (deny comments included), with or without naming a registry."""
    await _prod_request(rig)
    team_request = await submitted(rig, name="team-pull")
    await _review(rig, "UAPP1", team_request, "deny")  # comment "forged review"
    prod_id = rig.registries["prod-registry"].id
    team_id = rig.registries["team-registry"].id

    await rig.command("audit", PROD_APPROVER)
    shown = last_reply(rig)
    assert "prod-registry" in shown
    assert "team-registry" not in shown and team_id not in shown
    assert "forged review" not in shown and "team-pull" not in shown

    await rig.command("audit", "UAPP1")
    shown = last_reply(rig)
    assert "team-registry" in shown and "forged review" in shown
    assert "prod-registry" not in shown and prod_id not in shown

    for args in ("audit team-registry", "audit team-registry team-pull"):
        await rig.command(args, PROD_APPROVER)
        assert "for its approvers" in last_reply(rig)
        assert "forged review" not in last_reply(rig)


# -- no existence oracle, no walk for members ---------------------------------------------------


async def test_a_member_gets_one_answer_for_missing_and_not_theirs_without_a_walk(
    rig: Harness,
) -> None:
    """To someone who may not see a registry's tokens, "no such token" and "not yours" are the
    same words, and neither makes regbot read the registry's token pages."""
    await rig.issue_token("UDEV", name="ci-push")
    team = rig.registries["team-registry"]
    for index in range(250):  # three pages of someone else's tokens
        rig.ionos.add_token(team.id, f"other-{index:03d}")
    answers = {}
    for name in ("ci-push", "no-such-token"):
        before = len(rig.ionos.requests)
        await rig.command(f"show team-registry {name}", "UOUT")
        answers[name] = last_reply(rig).replace(name, "<name>")
        assert [r.path for r in rig.ionos.requests[before:] if "/tokens" in r.path] == []
    assert answers["ci-push"] == answers["no-such-token"]
    assert "Only the token's owner" in answers["ci-push"]
    refused = await _refusals(rig)
    assert [(e.actor, e.detail.split(":")[0]) for e in refused] == [("UOUT", "see")] * 2

    await rig.command("show team-registry ci-push", "UDEV")  # its owner still sees it
    assert "`team/app`: pull" in last_reply(rig)


# -- refusals when Slack cannot say who approves -----------------------------------------------


async def test_a_click_is_refused_and_audited_when_the_group_lookup_fails(
    rig: Harness, clock: FakeClock
) -> None:
    request_id = await submitted(rig)
    # announcing it (and refreshing the approvers' Home tabs) may have cached the group
    clock.advance(timedelta(seconds=rig.bot.services.policy.usergroup_cache_seconds + 1))
    rig.slack.fail("usergroups.users.list", error="ratelimited", times=5)
    await rig.click(ActionId.APPROVE, "UAPP1", request_id)
    assert "could not check" in last_reply(rig)
    assert await state(rig, request_id) is RequestState.PENDING
    (refused,) = await _refusals(rig, request_id=request_id)
    assert refused.actor == "UAPP1" and "could not verify" in refused.detail


async def test_a_command_is_refused_and_audited_when_the_group_lookup_fails(
    rig: Harness, clock: FakeClock
) -> None:
    token_id = await rig.issue_token("UDEV")  # approved by UAPP1: the group is cached now
    clock.advance(timedelta(seconds=rig.bot.services.policy.usergroup_cache_seconds + 1))
    rig.slack.fail("usergroups.users.list", error="ratelimited", times=5)
    await rig.command(f"disable team-registry {token_id}", "UAPP1")
    assert "could not check" in last_reply(rig)
    assert rig.ionos.token(rig.registries["team-registry"].id, token_id).status == "enabled"
    (refused,) = await _refusals(rig, token=token_id)
    assert refused.actor == "UAPP1" and "could not verify" in refused.detail
