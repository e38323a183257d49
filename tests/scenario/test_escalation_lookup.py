"""Escalation to a backup user group when Slack cannot say who is in it: the backup's click is
refused in words and audited as "could not verify" — like every refusal of an approver whose
group could not be looked up — and the request stays pending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.devtools.slack import FakeSlack
from bot.domain.models import RequestState
from bot.policy.model import Policy
from bot.store.audit import AuditLog
from handlers.ids import ActionId
from tests.scenario.harness import PROD_APPROVAL_CHANNEL, Harness, policy_mapping

BACKUP_GROUP = "SONCALLBACKUP"
BACKUP = "UONCALL"


@pytest.fixture
def policy() -> Policy:
    data = policy_mapping()  # prod-registry: approved by UAPP1, UAPP2 (no group to look up)
    data["registries"]["prod-registry"]["escalation"] = {
        "after": "8h",
        "approvers": [BACKUP_GROUP],
    }
    data["usergroup_cache_seconds"] = 0  # every check asks Slack
    return Policy.from_mapping(data)


async def test_a_backup_groups_failed_lookup_is_refused_and_audited(
    harness: Harness, fake_slack: FakeSlack
) -> None:
    fake_slack.set_usergroup(BACKUP_GROUP, [BACKUP])
    reply = await harness.submit_request(
        "UDEV", registry="prod-registry", name="ci-prod", scopes=[("team/app", ["pull"])]
    )
    assert reply.status == 200 and not reply.text, reply.text
    request_id = await harness.request_id_posted(PROD_APPROVAL_CHANNEL)
    housekeeping = harness.bot.services.lifecycle.housekeeping
    report = await housekeeping.housekeeping(datetime.now(UTC) + timedelta(hours=9))
    assert report.escalated == 1
    harness.slack.fail("usergroups.users.list", error="ratelimited", times=10)

    await harness.click(ActionId.APPROVE, BACKUP, request_id, channel=PROD_APPROVAL_CHANNEL)
    assert "could not check" in harness.text_of(harness.responses()[-1])
    assert (await harness.bot.services.requests.get(request_id)).state is RequestState.PENDING
    entries = await AuditLog(harness.redis, harness.keys).latest(30, request_id=request_id)
    refused = [e for e in entries if e.action == "refused"]
    assert [e.actor for e in refused] == [BACKUP], entries
    assert "could not verify" in refused[0].detail
