"""A reminder's Disable now (and Enable, Delete): the slash command's permission rules — the
token's owner or the registry's approvers; anyone else is refused, in words, and audited."""

from __future__ import annotations

from handlers.ids import ActionId
from tests.scenario.harness import Harness
from tests.scenario.lifecycle_steps import audit, last_reply, target, team_id


def _status(harness: Harness, token_id: str) -> str | None:
    token = harness.ionos.token(team_id(harness), token_id)
    return token.status if token else None


async def test_owner_disables_and_enables_from_the_reminder(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.click(ActionId.DISABLE_NOW, "UDEV", target(harness, token_id), channel="DUDEV")
    assert _status(harness, token_id) == "disabled"
    assert "`ci-push` on *team-registry* disabled" in last_reply(harness)
    reply = harness.responses()[-1].payload
    assert reply["response_type"] == "ephemeral"

    await harness.click(ActionId.ENABLE_NOW, "UDEV", target(harness, token_id), channel="DUDEV")
    assert _status(harness, token_id) == "enabled"
    actions = [(str(e.action), e.actor) for e in await audit(harness, token=token_id)]
    assert actions[-2:] == [("disabled", "UDEV"), ("enabled", "UDEV")]


async def test_an_approver_may_disable_someone_elses_token(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    await harness.click(ActionId.DISABLE_NOW, "UAPP2", target(harness, token_id), channel="DUAPP2")
    assert _status(harness, token_id) == "disabled"


async def test_an_outsider_is_refused_and_audited(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    for action in (ActionId.DISABLE_NOW, ActionId.ENABLE_NOW, ActionId.DELETE_NOW):
        await harness.click(action, "UOUT", target(harness, token_id), channel="DUOUT")
        assert "Only the token's owner and the approvers" in last_reply(harness)
    assert _status(harness, token_id) == "enabled"
    refused = [e for e in await audit(harness, token=token_id) if e.action == "refused"]
    assert [e.actor for e in refused] == ["UOUT", "UOUT", "UOUT"]
    assert [e.detail.split(":")[0] for e in refused] == ["disable", "enable", "delete"]
    assert not [r for r in harness.ionos.requests if r.method in ("PATCH", "DELETE")]


async def test_delete_asks_to_confirm_first(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    value = target(harness, token_id)
    await harness.click(ActionId.DELETE_NOW, "UDEV", value, channel="DUDEV")
    confirm = harness.responses()[-1]
    assert "Delete token `ci-push`" in harness.text_of(confirm)
    assert harness.button_value(confirm, ActionId.CONFIRM_DELETE) == value
    assert _status(harness, token_id) == "enabled"  # nothing yet

    await harness.click(ActionId.CONFIRM_DELETE, "UDEV", value, channel="DUDEV")
    assert _status(harness, token_id) is None
    assert [str(e.action) for e in await audit(harness, token=token_id)][-1] == "deleted"
