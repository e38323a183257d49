"""Break-glass over signed HTTP: a short-lived self-approved token, collectable at once; the
alert; the approvers' review (Revoke now removes the token, a non-approver is refused and
audited; Acknowledge takes it out of the digest); a registry without it refuses in words."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.models import RequestState
from bot.policy.model import Policy
from bot.services.forms import RequestForm, ScopeRow
from bot.store.audit import AuditLog
from bot.store.requests import RequestStore
from bot.store.rules import RulesStore
from handlers.ids import ActionId
from tests.scenario.harness import APPROVAL_CHANNEL, Harness
from tests.scenario.rules_world import (
    BREAK_GLASS_HOURS,
    SECURITY_CHANNEL,
    rules_policy_mapping,
    submit_breakglass,
)

REASON = "prod is down <!channel> & <https://evil.example|click>"


@pytest.fixture
def policy() -> Policy:
    return Policy.from_mapping(rules_policy_mapping())


async def _broken(harness: Harness) -> tuple[str, str]:
    """Break the glass and collect; returns (request id, token id)."""
    reply = await submit_breakglass(harness, "UDEV", reason=REASON)
    assert reply.status == 200 and not reply.text, reply.text
    request_id = harness.button_value(harness.dms_to("UDEV")[-1], ActionId.COLLECT)
    await harness.collect("UDEV", request_id)
    (token,) = harness.ionos.tokens(harness.registries["team-registry"].id)
    return request_id, token.id


async def test_break_glass_makes_a_short_lived_token_and_alerts(harness: Harness) -> None:
    before = datetime.now(UTC)
    request_id, _ = await _broken(harness)

    (token,) = harness.ionos.tokens(harness.registries["team-registry"].id)
    assert token.expiry is not None
    assert before < token.expiry <= datetime.now(UTC) + timedelta(hours=BREAK_GLASS_HOURS)
    assert token.password in harness.text_of(harness.ephemerals_to("UDEV")[-1])
    stored = await harness.bot.services.requests.get(request_id)
    assert stored.break_glass and stored.decided_by == "UDEV"  # self-approved, nobody clicked

    (alert,) = harness.approval_posts(SECURITY_CHANNEL)
    text = harness.text_of(alert)
    assert "<@UDEV>" in text and "team-registry" in text and "`team/app`: pull, push" in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in text
    assert "<!channel>" not in text and "<https://evil" not in text
    (review,) = harness.approval_posts(APPROVAL_CHANNEL)
    assert harness.button_value(review, ActionId.BREAKGLASS_REVOKE) == request_id
    assert harness.button_value(review, ActionId.BREAKGLASS_ACK) == request_id
    assert "<!channel>" not in harness.text_of(review)

    entries = await AuditLog(harness.redis, harness.keys).latest(20, request_id=request_id)
    assert {"requested", "approved", "claimed"} <= {e.action for e in entries}
    assert all(e.detail.startswith("[break-glass]") for e in entries), entries


async def test_revoke_now_disables_then_deletes_the_token(harness: Harness) -> None:
    request_id, token_id = await _broken(harness)

    await harness.click(ActionId.BREAKGLASS_REVOKE, "UOUT", request_id)  # not an approver
    assert "Only approvers of `team-registry`" in harness.text_of(harness.responses()[-1])
    assert [t.id for t in harness.ionos.tokens(harness.registries["team-registry"].id)] == [
        token_id
    ]

    await harness.click(ActionId.BREAKGLASS_REVOKE, "UAPP1", request_id)
    assert harness.ionos.tokens(harness.registries["team-registry"].id) == []
    calls = [
        (r.method, r.body.get("status") if isinstance(r.body, dict) else None)
        for r in harness.ionos.requests
        if token_id in r.path
    ]
    assert calls[-2:] == [("PATCH", "disabled"), ("DELETE", None)]  # disabled first
    assert "was revoked by <@UAPP1>" in harness.text_of(harness.dms_to("UDEV")[-1])
    update = harness.calls("chat.update")[-1]
    assert "Revoked by <@UAPP1>" in harness.text_of(update)
    assert ActionId.BREAKGLASS_REVOKE not in harness.text_of(update)

    entries = await AuditLog(harness.redis, harness.keys).latest(30, request_id=request_id)
    by_action = {e.action: e for e in entries}
    assert by_action["revoked"].actor == "UAPP1"
    refused = [e for e in entries if e.action == "refused"]
    assert refused and refused[0].actor == "UOUT" and "not_approver" in refused[0].detail
    assert by_action["deleted"].outcome == "ok" and by_action["disabled"].outcome == "ok"
    assert all("break-glass" in e.detail for e in entries)

    await harness.click(ActionId.BREAKGLASS_ACK, "UAPP2", request_id)  # too late
    assert "already revoked by UAPP1" in harness.text_of(harness.responses()[-1])


async def test_unacknowledged_break_glass_is_in_the_digest_until_acknowledged(
    harness: Harness,
) -> None:
    request_id, _ = await _broken(harness)
    day = datetime.now(UTC).replace(hour=12)

    await harness.bot.reminders.sweep(day)
    digest = harness.approval_posts(APPROVAL_CHANNEL)[-1]
    assert "Break-glass tokens not reviewed yet" in harness.text_of(digest)
    assert "fire-fix" in harness.text_of(digest)

    await harness.click(ActionId.BREAKGLASS_ACK, "UDEV", request_id)  # not their own
    assert (await harness.bot.services.requests.get(request_id)).review is None
    await harness.click(ActionId.BREAKGLASS_ACK, "UAPP2", request_id)
    assert (await harness.bot.services.requests.get(request_id)).review == "acknowledged"

    posted = len(harness.approval_posts(APPROVAL_CHANNEL))
    await harness.bot.reminders.sweep(day + timedelta(days=1))
    later = harness.approval_posts(APPROVAL_CHANNEL)[posted:]
    assert all("Break-glass" not in harness.text_of(p) for p in later)
    assert (await harness.bot.services.requests.get(request_id)).state is RequestState.COLLECTED


async def test_a_registry_without_break_glass_refuses_in_words(harness: Harness) -> None:
    reply = await harness.command("breakglass prod-registry", "UDEV")
    assert reply.status == 200
    words = harness.text_of(harness.responses()[-1])
    assert "Break-glass is not set up for `prod-registry`" in words
    assert not [c for c in harness.slack.calls if c.method == "views.open"]


async def test_a_break_glass_without_a_reason_is_refused_on_the_field(harness: Harness) -> None:
    reply = await submit_breakglass(harness, "UDEV", reason="  ")
    assert reply.status == 200 and "Say why" in reply.text
    assert harness.approval_posts(SECURITY_CHANNEL) == []


async def test_the_form_offers_only_registries_with_break_glass(harness: Harness) -> None:
    reply = await harness.command("breakglass", "UDEV")
    assert reply.status == 200
    view = harness.last_opened_view()
    text = str(view)
    assert "team-registry" in text and "prod-registry" not in text
    assert "emergencies only" in text and f"at most {BREAK_GLASS_HOURS} hours" in text
    assert "expiry" not in {b.get("block_id") for b in view["blocks"]}  # nothing to pick


async def test_revoking_before_collection_cancels_it(harness: Harness) -> None:
    reply = await submit_breakglass(harness, "UDEV")
    assert reply.status == 200 and not reply.text
    request_id = harness.button_value(harness.dms_to("UDEV")[-1], ActionId.COLLECT)

    await harness.click(ActionId.BREAKGLASS_REVOKE, "UAPP2", request_id)
    assert (await harness.bot.services.requests.get(request_id)).state is RequestState.CANCELLED
    await harness.collect("UDEV", request_id)
    assert "revoked" in harness.text_of(harness.responses()[-1])
    assert harness.ionos.tokens(harness.registries["team-registry"].id) == []


async def test_a_revoke_recorded_but_not_carried_out_is_finished_by_the_next_click(
    harness: Harness,
) -> None:
    """The replica that recorded a revocation died before it told IONOS (or the write was not
    confirmed by the Redis replicas and the approver was told to try again): the record says
    revoked, the token still works. The next click on Revoke now must remove it, not answer
    "already revoked" and leave a revoked break-glass token alive."""
    request_id, token_id = await _broken(harness)
    registry_id = harness.registries["team-registry"].id
    requests = RequestStore(harness.redis, harness.keys)
    request = await requests.get(request_id)
    assert request is not None
    recorded = await RulesStore(harness.redis, harness.keys, requests).review(
        request,
        verb="revoke",
        actor="UAPP1",
        at=datetime.now(UTC),
        detail="revoke now",
        op_id="died-after-this",
    )
    assert recorded.applied  # and then the process died: IONOS never heard of it
    assert harness.ionos.token(registry_id, token_id).status == "enabled"

    await harness.click(ActionId.BREAKGLASS_REVOKE, "UOUT", request_id)  # still refused
    assert harness.ionos.token(registry_id, token_id).status == "enabled"

    await harness.click(ActionId.BREAKGLASS_REVOKE, "UAPP2", request_id)
    assert harness.ionos.tokens(registry_id) == []
    calls = [
        (r.method, r.body.get("status") if isinstance(r.body, dict) else None)
        for r in harness.ionos.requests
        if token_id in r.path and r.method != "GET"
    ]
    assert calls == [("PATCH", "disabled"), ("DELETE", None)]  # disabled first, once
    assert "was revoked by <@UAPP2>" in harness.text_of(harness.dms_to("UDEV")[-1])
    entries = await AuditLog(harness.redis, harness.keys).latest(40, request_id=request_id)
    done = {(e.action, e.actor, e.outcome) for e in entries}
    assert {("disabled", "UAPP2", "ok"), ("deleted", "UAPP2", "ok")} <= done

    await harness.click(ActionId.BREAKGLASS_REVOKE, "UAPP1", request_id)  # nothing left
    assert "already revoked" in harness.text_of(harness.responses()[-1])


async def test_a_break_glass_never_announced_is_announced_before_its_token_is_made(
    harness: Harness,
) -> None:
    """The break-glass was stored (self-approved) but its alert never went out: the submission
    timed out before its ack, or the replica died after the write. Home still offers the
    collect button; clicking it must not make a silent break-glass token — the security
    channel and the approvers hear of it first."""
    glass = harness.bot.services.breakglass
    await harness.bot.services.catalog.refresh()  # as the form's registry list did
    form = RequestForm(
        registry_id=harness.registries["team-registry"].id,
        token_name="quiet-fix",
        scopes=[ScopeRow(repository="team/app", actions=["push"])],
        reason="nobody will notice",
    )
    request, created = await glass.open("UDEV", glass.validate(form), nonce="never-announced")
    assert created and harness.approval_posts(SECURITY_CHANNEL) == []

    home = json.dumps(await harness.open_home("UDEV"))
    assert ActionId.COLLECT in home and request.id in home  # offered there

    await harness.click_home(ActionId.COLLECT, "UDEV", request.id)
    (token,) = harness.ionos.tokens(harness.registries["team-registry"].id)
    assert token.name == "quiet-fix"
    (alert,) = harness.approval_posts(SECURITY_CHANNEL)
    assert "<@UDEV>" in harness.text_of(alert) and "quiet-fix" in harness.text_of(alert)
    (review,) = harness.approval_posts(APPROVAL_CHANNEL)
    assert harness.button_value(review, ActionId.BREAKGLASS_REVOKE) == request.id
    alerted = next(i for i, c in enumerate(harness.slack.calls) if c is alert)
    shown = next(
        i for i, c in enumerate(harness.slack.calls) if token.password in harness.text_of(c)
    )
    assert alerted < shown  # loud first, then the password
