"""Access reviews over signed HTTP: a campaign from `/regtoken review` to its summary, each
decision applied at the IONOS stand-in, the owner told, everything audited; who may not review;
the digest and the auditor's report afterwards."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.devtools.ionos import FailRule
from bot.domain.clock import FakeClock
from bot.policy.model import Policy
from handlers.ids import ActionId
from tests.scenario.harness import APPROVAL_CHANNEL, Harness
from tests.scenario.lifecycle_steps import audit, last_reply
from tests.scenario.review_steps import (
    PROD_ONLY_APPROVER,
    buttons_for,
    campaign_message,
    campaign_posts,
    decide,
    notice,
    open_review,
    review_policy,
    seed,
    store,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def policy() -> Policy:
    return review_policy()


async def _campaign(harness: Harness, user: str = "UAPP1") -> str:
    await harness.command("review team-registry", user)
    posts = campaign_posts(harness, APPROVAL_CHANNEL)
    assert len(posts) == 1, harness.responses()[-1:]
    return harness.button_value(posts[0], ActionId.REVIEW_TOKENS)


async def _report(harness: Harness, *extra: str) -> tuple[int, str, str]:
    pool = harness.redis.connection_pool.connection_kwargs
    env = os.environ | {
        "REDIS_URL": f"redis://{pool['host']}:{pool['port']}/{pool.get('db', 0)}",
        "REGBOT_NAMESPACE": harness.keys.namespace,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "review", "report", "--registry", "team-registry", *extra,
        env=env, cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_campaign_from_start_to_summary(harness: Harness, clock: FakeClock) -> None:
    team = harness.registries["team-registry"].id
    keep = await seed(harness, "keep-me", owner="UDEV")
    off = await seed(harness, "disable-me", owner="UDEV")
    gone = await seed(harness, "delete-me", owner="UDEV")
    stray = await seed(harness, "stray")  # nobody owns it; nobody reviews it

    campaign_id = await _campaign(harness)
    await seed(harness, "made-later", owner="UDEV")  # not part of the campaign
    posted = campaign_message(harness, APPROVAL_CHANNEL)
    assert "0 of 4 decided" in json.dumps(posted)
    assert "Access review: team-registry" in json.dumps(posted)
    assert "is open" in last_reply(harness)

    view = await open_review(harness, "UAPP2", campaign_id, APPROVAL_CHANNEL)
    shown = json.dumps(view)
    assert "made-later" not in shown
    for token in (keep, off, gone, stray):
        assert token.name in shown
        assert buttons_for(view, token.id) == [
            ActionId.REVIEW_KEEP,
            ActionId.REVIEW_DISABLE,
            ActionId.REVIEW_DELETE,
        ]

    view = await decide(harness, "UAPP2", view, ActionId.REVIEW_KEEP, keep.id, "still used by CI")
    assert "Kept" in notice(view) and buttons_for(view, keep.id) == []
    view = await decide(harness, "UAPP2", view, ActionId.REVIEW_DISABLE, off.id, "<!channel> & co")
    view = await decide(harness, "UAPP2", view, ActionId.REVIEW_DELETE, gone.id, "=HYPERLINK(x)")

    # applied at IONOS at once
    assert harness.ionos.token(team, keep.id).status == "enabled"  # type: ignore[union-attr]
    assert harness.ionos.token(team, off.id).status == "disabled"  # type: ignore[union-attr]
    assert harness.ionos.token(team, gone.id) is None
    patches = [r for r in harness.ionos.requests if r.method == "PATCH" and off.id in r.path]
    assert patches and patches[-1].body == {"status": "disabled"}
    # the owner is told of the disable and the delete, with the note escaped
    told = [
        harness.text_of(c) for c in harness.dms_to("UDEV") if "access review" in harness.text_of(c)
    ]
    assert len(told) == 2
    assert "&lt;!channel&gt; &amp; co" in told[0] and "<!channel>" not in told[0]
    # progress in the channel
    assert "3 of 4 decided" in json.dumps(campaign_message(harness, APPROVAL_CHANNEL))
    # audited: who, what, the note
    reviewed = [e for e in await audit(harness, request_id=campaign_id) if e.action == "reviewed"]
    assert [e.detail.split(",")[0] for e in reviewed] == [
        "reviewed: keep by UAPP2",
        "reviewed: disable by UAPP2",
        "reviewed: delete by UAPP2",
    ]
    assert "note: still used by CI" in reviewed[0].detail
    assert {e.token for e in reviewed} == {keep.id, off.id, gone.id}

    # decided once: a second approver's click on a decided token is refused in words, audited
    view = await decide(harness, "UAPP1", view, ActionId.REVIEW_DELETE, keep.id)
    assert "already reviewed: keep by <@UAPP2>" in notice(view)
    assert harness.ionos.token(team, keep.id) is not None
    refused = [e for e in await audit(harness, request_id=campaign_id) if e.action == "refused"]
    assert refused and refused[-1].actor == "UAPP1"

    # the due date: summary, once, however often housekeeping runs
    clock.advance(timedelta(days=14, minutes=1))
    housekeeping = harness.bot.services.reviews.housekeeping
    reports = await asyncio.gather(*(housekeeping.housekeeping(clock.now()) for _ in range(3)))
    await harness.settle()
    assert sum(r.closed for r in reports) == 1
    summaries = [
        c for c in harness.approval_posts() if "Access review closed" in harness.text_of(c)
    ]
    assert len(summaries) == 1
    assert "1 kept, 1 disabled, 1 deleted, 1 not reviewed" in summaries[0].payload["text"]
    closed = await store(harness).get(campaign_id)
    assert closed is not None and not closed.open
    assert [e.action for e in await audit(harness, request_id=campaign_id)].count(
        "review_closed"
    ) == 1

    # the digest lists the token nobody reviewed, until it is decided
    clock.set(clock.now().replace(hour=9))
    await harness.bot.reminders.sweep(clock.now())
    digest = [c for c in harness.approval_posts() if "digest" in c.payload.get("text", "")][-1]
    assert "not reviewed" in digest.payload["text"] and "`stray`" in harness.text_of(digest)

    # the auditor's evidence
    code, out, err = await _report(harness, "--format", "csv")
    assert code == 0, err
    rows = {r["token"]: r for r in csv.DictReader(io.StringIO(out))}
    assert set(rows) == {"keep-me", "disable-me", "delete-me", "stray"}
    assert (rows["keep-me"]["decision"], rows["keep-me"]["reviewer"]) == ("keep", "UAPP2")
    assert rows["keep-me"]["note"] == "still used by CI" and rows["keep-me"]["owner"] == "UDEV"
    assert rows["disable-me"]["decision"] == "disable" and rows["disable-me"]["decided_at"]
    assert rows["delete-me"]["note"] == "'=HYPERLINK(x)"  # no formula in a spreadsheet
    assert rows["stray"]["decision"] == "not reviewed" and rows["stray"]["reviewer"] == ""
    assert {r["campaign"] for r in rows.values()} == {campaign_id}
    code, out, _ = await _report(harness, "--format", "jsonl", "--campaign", campaign_id)
    assert code == 0 and len(out.splitlines()) == 4
    assert json.loads(out.splitlines()[0])["registry"] == "team-registry"
    code, _, err = await _report(harness, "--campaign", "nope")
    assert code == 2 and "no review campaign nope" in err


async def test_one_open_campaign_per_registry(harness: Harness) -> None:
    await seed(harness, "ci", owner="UDEV")
    await _campaign(harness, "UAPP1")
    await harness.command("review team-registry", "UAPP2")
    assert "already open" in last_reply(harness)
    assert len(campaign_posts(harness, APPROVAL_CHANNEL)) == 1


async def test_an_owner_cannot_review_their_own_token(harness: Harness) -> None:
    team = harness.registries["team-registry"].id
    own = await seed(harness, "mine", owner="UAPP1")
    campaign_id = await _campaign(harness, "UAPP1")

    view = await open_review(harness, "UAPP1", campaign_id, APPROVAL_CHANNEL)
    assert buttons_for(view, own.id) == []
    assert "You own this token" in json.dumps(view)
    # a click forged with the token's value is refused all the same, in words, audited
    view = await decide(harness, "UAPP1", view, ActionId.REVIEW_DELETE, own.id)
    assert "You own `mine`" in notice(view)
    assert harness.ionos.token(team, own.id) is not None
    refused = [e for e in await audit(harness, request_id=campaign_id) if e.action == "refused"]
    assert refused[-1].actor == "UAPP1" and "own token" in refused[-1].detail
    # another approver decides it
    view = await open_review(harness, "UAPP2", campaign_id, APPROVAL_CHANNEL)
    await decide(harness, "UAPP2", view, ActionId.REVIEW_KEEP, own.id)
    assert "1 of 1 decided" in json.dumps(campaign_message(harness, APPROVAL_CHANNEL))


@pytest.mark.parametrize("who", ["UDEV", PROD_ONLY_APPROVER])
async def test_only_approvers_of_the_registry_start_or_review(harness: Harness, who: str) -> None:
    """A workspace member, or an approver of another registry (prod-registry's)."""
    team = harness.registries["team-registry"].id
    token = await seed(harness, "ci", owner="UAPP1")
    await harness.command("review team-registry", who)
    assert "Only the approvers of `team-registry`" in last_reply(harness)
    assert campaign_posts(harness, APPROVAL_CHANNEL) == []

    campaign_id = await _campaign(harness, "UAPP2")
    await harness.click(ActionId.REVIEW_TOKENS, who, campaign_id)
    problem = harness.last_opened_view()
    assert "Only the approvers of `team-registry`" in json.dumps(problem)
    # a decision forged from another modal is refused too, and nothing changes at IONOS
    approver_view = await open_review(harness, "UAPP2", campaign_id, APPROVAL_CHANNEL)
    view = await decide(harness, who, approver_view, ActionId.REVIEW_DELETE, token.id)
    assert "Only the approvers" in notice(view)
    assert harness.ionos.token(team, token.id) is not None
    refusals = [e for e in await audit(harness) if e.action == "refused" and e.actor == who]
    assert len(refusals) == 3  # start, open, decide


async def test_a_token_deleted_meanwhile_is_marked_gone(harness: Harness) -> None:
    team = harness.registries["team-registry"]
    token = await seed(harness, "short-lived", owner="UDEV")
    campaign_id = await _campaign(harness)
    view = await open_review(harness, "UAPP2", campaign_id, APPROVAL_CHANNEL)
    del harness.ionos.registry(team.id).tokens[token.id]  # type: ignore[union-attr]

    view = await decide(harness, "UAPP2", view, ActionId.REVIEW_DISABLE, token.id)
    assert "no longer exists" in notice(view)
    item = await store(harness).item(campaign_id, token.id)
    assert item is not None and item.state == "gone"
    view = await open_review(harness, "UAPP2", campaign_id, APPROVAL_CHANNEL)
    assert "Gone: deleted while the review ran" in json.dumps(view)
    assert buttons_for(view, token.id) == []


async def test_a_failed_ionos_call_decides_nothing(harness: Harness) -> None:
    team = harness.registries["team-registry"].id
    token = await seed(harness, "ci", owner="UDEV")
    campaign_id = await _campaign(harness)
    view = await open_review(harness, "UAPP2", campaign_id, APPROVAL_CHANNEL)
    harness.ionos.knobs.fail_next.append(
        FailRule("PATCH", f"/registries/{team}/tokens/{token.id}", 403)
    )
    view = await decide(harness, "UAPP2", view, ActionId.REVIEW_DISABLE, token.id)
    assert "Nothing was decided" in notice(view)
    refused = [e for e in await audit(harness, request_id=campaign_id) if e.outcome == "failed"]
    assert len(refused) == 1 and refused[0].action == "reviewed"
    view = await open_review(harness, "UAPP2", campaign_id, APPROVAL_CHANNEL)
    assert buttons_for(view, token.id)  # pending again: it can be decided
    await decide(harness, "UAPP2", view, ActionId.REVIEW_DISABLE, token.id)
    assert harness.ionos.token(team, token.id).status == "disabled"  # type: ignore[union-attr]


async def test_a_forged_token_in_a_decision_is_not_part_of_the_review(harness: Harness) -> None:
    """An approver of team-registry forges a Delete naming a prod-registry token."""
    await seed(harness, "ci", owner="UDEV")
    prod = await seed(harness, "prod-ci", owner="UDEV", registry="prod-registry")
    campaign_id = await _campaign(harness)
    view = await open_review(harness, "UAPP2", campaign_id, APPROVAL_CHANNEL)
    view = await decide(harness, "UAPP2", view, ActionId.REVIEW_DELETE, prod.id)
    assert "not part of this review" in notice(view)
    assert harness.ionos.token(harness.registries["prod-registry"].id, prod.id) is not None
    assert not [r for r in harness.ionos.requests if r.method == "DELETE"]
    refused = [e for e in await audit(harness, request_id=campaign_id) if e.action == "refused"]
    assert [e.detail for e in refused] == ["review: token not in it"]


async def test_a_campaign_slack_did_not_take_is_posted_on_the_next_try(harness: Harness) -> None:
    await seed(harness, "ci", owner="UDEV")
    harness.slack.fail("chat.postMessage", status=503)
    await harness.command("review team-registry", "UAPP1")
    shown = [m for m in harness.slack.messages_in(APPROVAL_CHANNEL) if "Access review" in m["text"]]
    assert shown == []
    assert "went wrong" in last_reply(harness)

    await harness.command("review team-registry", "UAPP2")  # not "already open": posted now
    shown = [m for m in harness.slack.messages_in(APPROVAL_CHANNEL) if "Access review" in m["text"]]
    assert len(shown) == 1
    assert "is open" in last_reply(harness)
    assert len(await store(harness).campaigns_of("team-registry")) == 1


async def test_a_failed_group_lookup_refuses_review_steps_and_audits_them(
    harness: Harness, clock: FakeClock
) -> None:
    """team-registry's approvers are a user group: when Slack cannot answer who is in it,
    starting a review and deciding in one are refused in words — and audited, as every other
    "could not verify" refusal is — and nothing changes at IONOS."""
    team = harness.registries["team-registry"].id
    token = await seed(harness, "ci", owner="UDEV")
    campaign_id = await _campaign(harness, "UAPP2")
    view = await open_review(harness, "UAPP1", campaign_id, APPROVAL_CHANNEL)
    clock.advance(timedelta(seconds=harness.bot.services.policy.usergroup_cache_seconds + 1))
    harness.slack.fail("usergroups.users.list", error="ratelimited", times=10)

    await harness.command("review team-registry", "UAPP1")
    assert "could not check" in last_reply(harness)
    view = await decide(harness, "UAPP1", view, ActionId.REVIEW_DELETE, token.id)
    assert "could not check" in notice(view)
    assert harness.ionos.token(team, token.id) is not None

    refusals = [e for e in await audit(harness) if e.action == "refused" and e.actor == "UAPP1"]
    assert len(refusals) == 2, refusals  # the start and the decision
    assert all("could not verify" in e.detail for e in refusals), refusals


async def test_an_owner_cannot_undo_a_review_disable_by_enabling_the_token(
    harness: Harness,
) -> None:
    """An approver disables UDEV's token in the access review. UDEV, its owner, must not
    simply switch it on again (command or Home button): that would make every "disable"
    decision void. The refusal is in words and audited; another approver may enable it, and
    an owner still re-enables a token they switched off themselves."""
    team = harness.registries["team-registry"].id
    off = await seed(harness, "disable-me", owner="UDEV")
    own = await seed(harness, "my-switch", owner="UDEV")
    campaign_id = await _campaign(harness)
    view = await open_review(harness, "UAPP2", campaign_id, APPROVAL_CHANNEL)
    await decide(harness, "UAPP2", view, ActionId.REVIEW_DISABLE, off.id, "unused")
    assert harness.ionos.token(team, off.id).status == "disabled"  # type: ignore[union-attr]

    await harness.command(f"enable team-registry {off.name}", "UDEV")
    assert "approver" in last_reply(harness)
    await harness.click(ActionId.ENABLE_NOW, "UDEV", f"{team}:{off.id}", channel="DUDEV")
    assert harness.ionos.token(team, off.id).status == "disabled"  # type: ignore[union-attr]
    refused = [e for e in await audit(harness, token=off.id) if e.action == "refused"]
    assert [e.actor for e in refused] == ["UDEV", "UDEV"], refused

    await harness.command(f"disable team-registry {own.name}", "UDEV")  # their own switch
    await harness.command(f"enable team-registry {own.name}", "UDEV")
    assert harness.ionos.token(team, own.id).status == "enabled"  # type: ignore[union-attr]

    await harness.command(f"enable team-registry {off.name}", "UAPP1")  # another approver
    assert harness.ionos.token(team, off.id).status == "enabled"  # type: ignore[union-attr]
