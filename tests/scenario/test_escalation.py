"""Escalation over signed HTTP: a request undecided after ``after`` is put to the backup
approver once (two housekeeping runs at the same moment escalate it once), the original
message says so, and from then on the backup approver's click decides — that request only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.models import RequestState
from bot.policy.model import Policy
from bot.store.audit import AuditLog
from handlers.ids import ActionId
from tests.scenario.harness import APPROVAL_CHANNEL, PROD_APPROVAL_CHANNEL, Harness
from tests.scenario.rules_world import ESCALATION_CHANNEL, ONCALL, rules_policy_mapping


@pytest.fixture
def policy() -> Policy:
    return Policy.from_mapping(rules_policy_mapping())


async def _pending_push(harness: Harness, registry: str = "team-registry") -> str:
    reply = await harness.submit_request("UDEV", registry=registry, name=f"ci-{registry[:4]}")
    assert reply.status == 200 and not reply.text, reply.text
    channel = PROD_APPROVAL_CHANNEL if registry == "prod-registry" else APPROVAL_CHANNEL
    return await harness.request_id_posted(channel)


async def test_escalation_fires_once_at_after_and_the_backup_decides(harness: Harness) -> None:
    request_id = await _pending_push(harness)
    housekeeping = harness.bot.services.lifecycle.housekeeping
    start = datetime.now(UTC)

    await harness.click(ActionId.APPROVE, ONCALL, request_id)  # not escalated yet: refused
    assert "Only approvers of `team-registry`" in harness.text_of(harness.responses()[-1])
    report = await housekeeping.housekeeping(start + timedelta(hours=7, minutes=59))
    assert report.escalated == 0 and harness.approval_posts(ESCALATION_CHANNEL) == []

    at = start + timedelta(hours=8, minutes=1)
    reports = await asyncio.gather(*(housekeeping.housekeeping(at) for _ in range(4)))
    assert sorted(r.escalated for r in reports) == [0, 0, 0, 1]
    await housekeeping.housekeeping(at + timedelta(hours=1))  # and never again
    (asked,) = harness.approval_posts(ESCALATION_CHANNEL)
    assert f"<@{ONCALL}>" in harness.text_of(asked)
    assert harness.button_value(asked, ActionId.APPROVE) == request_id
    original = [
        c for c in harness.calls("chat.update") if c.payload["channel"] == APPROVAL_CHANNEL
    ][-1]
    assert "Escalated" in harness.text_of(original)
    assert ActionId.APPROVE in harness.text_of(original)  # the usual approvers still may

    await harness.click(ActionId.APPROVE, ONCALL, request_id, channel=ESCALATION_CHANNEL)
    decided = await harness.bot.services.requests.get(request_id)
    assert decided.state is RequestState.APPROVED and decided.decided_by == ONCALL
    updated = [
        c for c in harness.calls("chat.update") if c.payload["channel"] == ESCALATION_CHANNEL
    ][-1]
    assert ActionId.APPROVE not in harness.text_of(updated)

    entries = await AuditLog(harness.redis, harness.keys).latest(30, request_id=request_id)
    assert [e.action for e in entries].count("escalated") == 1
    refused = [e for e in entries if e.action == "refused"]
    assert refused and refused[-1].actor == ONCALL


async def test_a_backup_approver_cannot_decide_a_request_not_escalated(harness: Harness) -> None:
    prod = await _pending_push(harness, "prod-registry")  # prod has no escalation
    housekeeping = harness.bot.services.lifecycle.housekeeping
    await housekeeping.housekeeping(datetime.now(UTC) + timedelta(hours=9))
    assert harness.approval_posts(ESCALATION_CHANNEL) == []

    await harness.click(ActionId.APPROVE, ONCALL, prod, channel=PROD_APPROVAL_CHANNEL)
    assert "Only approvers of `prod-registry`" in harness.text_of(harness.responses()[-1])
    assert (await harness.bot.services.requests.get(prod)).state is RequestState.PENDING
    assert await harness.bot.services.requests.pending_for(ONCALL) == []
