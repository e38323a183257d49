"""When an approver disables, deletes or rotates someone else's token, its owner is told by DM,
and the trail says so (issue #11, "also close"). An owner acting on their own token is not
messaged about it."""

from __future__ import annotations

from handlers.ids import ActionId
from tests.scenario.harness import Harness
from tests.scenario.lifecycle_steps import audit


def _told(harness: Harness, owner: str) -> list[str]:
    return [harness.text_of(c) for c in harness.dms_to(owner) if "your token" in harness.text_of(c)]


async def test_the_owner_is_told_when_an_approver_disables_their_token(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.command("disable team-registry ci-push", "UDEV")
    assert _told(harness, "UDEV") == []  # their own doing

    await harness.command("enable team-registry ci-push", "UDEV")
    await harness.command("disable team-registry ci-push", "UAPP1")
    (told,) = _told(harness, "UDEV")
    assert "<@UAPP1> disabled your token `ci-push` on *team-registry*" in told
    entries = [e for e in await audit(harness, token=token_id) if e.action == "owner_told"]
    assert [(e.actor, e.outcome) for e in entries] == [("UAPP1", "ok")]
    assert "owner UDEV told" in entries[0].detail


async def test_the_owner_is_told_when_an_approver_deletes_their_token(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.command("delete team-registry ci-push", "UAPP1")
    confirm = harness.button_value(harness.responses()[-1], ActionId.CONFIRM_DELETE)
    await harness.click(ActionId.CONFIRM_DELETE, "UAPP1", confirm)
    (told,) = _told(harness, "UDEV")
    assert "<@UAPP1> deleted your token `ci-push`" in told
    actions = [e.action for e in await audit(harness, token=token_id)]
    assert actions[-2:] == ["deleted", "owner_told"]


async def test_the_owner_is_told_when_an_approver_rotates_their_token(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.command("rotate team-registry ci-push", "UAPP1")
    (told,) = _told(harness, "UDEV")
    assert "<@UAPP1> asked to rotate" in told and "`ci-push-r2`" in told
    entries = [e for e in await audit(harness, token=token_id) if e.action == "owner_told"]
    assert len(entries) == 1 and entries[0].request_id


async def test_the_owner_is_told_when_an_approvers_rotation_disables_their_token(
    harness: Harness,
) -> None:
    old_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.command("rotate team-registry ci-push", "UAPP1")
    request_id = await harness.request_id_posted()
    await harness.click(ActionId.APPROVE, "UAPP2", request_id)
    await harness.collect("UAPP1", request_id)  # the successor goes to the approver who asked
    await harness.click(ActionId.SWITCHED, "UAPP1", request_id, channel="DUAPP1")

    told = _told(harness, "UDEV")
    assert len(told) == 2  # asked to rotate, then disabled
    assert "<@UAPP1> disabled your token `ci-push` on *team-registry*." in told[-1]
    assert "<@UAPP1> rotated it: its successor is `ci-push-r2`." in told[-1]
    entries = [e for e in await audit(harness, token=old_id) if e.action == "owner_told"]
    assert len(entries) == 2 and all(e.request_id == request_id for e in entries)
