"""The product's heart, end to end: command → modal → submit → approval message → approve
→ DM → click → token in IONOS → password in one ephemeral message → every step audited."""

from __future__ import annotations

from datetime import timedelta

from bot.store.audit import AuditLog
from handlers.ids import ActionId, Callback
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.scenario.harness import APPROVAL_CHANNEL, Harness


async def test_request_approve_collect(harness: Harness) -> None:
    view = await harness.open_request_modal("UDEV", "team-registry")
    assert view["callback_id"] == Callback.REQUEST_MODAL
    assert_valid_view(view)

    expiry = harness.today() + timedelta(days=10)
    reply = await harness.submit_request(
        "UDEV",
        name="ci-push",
        scopes=[("team/app", ["pull", "push"]), ("team/base", ["pull"])],
        expiry=expiry,
        view=view,
    )
    assert reply.status == 200 and not reply.text, reply.text  # an empty ack closes the modal

    post = harness.approval_posts()[-1]
    assert_valid_message(post.payload["blocks"], post.payload["text"])
    text = harness.text_of(post)
    assert "<@UDEV>" in text and "ci-push" in text and "team/app" in text and "CI pipeline" in text
    request_id = harness.button_value(post, ActionId.APPROVE)
    assert harness.button_value(post, ActionId.REVIEW) == request_id
    pending_dm = harness.dms_to("UDEV")[-1]
    assert "waiting for approval" in harness.text_of(pending_dm)

    reply = await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    assert reply.status == 200

    update = harness.calls("chat.update")[-1]
    assert update.payload["channel"] == APPROVAL_CHANNEL
    assert "Approved by <@UAPP1>" in harness.text_of(update)
    assert ActionId.APPROVE not in harness.text_of(update)  # the buttons are gone
    approved_dm = harness.dms_to("UDEV")[-1]
    assert_valid_message(approved_dm.payload["blocks"], approved_dm.payload["text"])
    assert harness.button_value(approved_dm, ActionId.COLLECT) == request_id

    assert harness.ionos.tokens(harness.registries["team-registry"].id) == []  # not yet
    reply = await harness.collect("UDEV", request_id)
    assert reply.status == 200

    tokens = harness.ionos.tokens(harness.registries["team-registry"].id)
    assert [t.name for t in tokens] == ["ci-push"]
    token = tokens[0]
    assert {s["name"]: sorted(s["actions"]) for s in token.scopes} == {
        "team/app": ["pull", "push"],
        "team/base": ["pull"],
    }
    assert token.expiry is not None and token.expiry.date() == expiry

    (delivery,) = harness.ephemerals_to("UDEV")
    assert delivery.payload["channel"] == "DUDEV"  # the DM with the bot, nowhere else
    assert token.password in harness.text_of(delivery)
    assert "docker login" in harness.text_of(delivery)
    assert_valid_message(delivery.payload["blocks"], delivery.payload["text"])

    audit = AuditLog(harness.redis, harness.keys)
    actions = [e.action for e in reversed(await audit.latest(50, request_id=request_id))]
    assert actions[:3] == ["requested", "approved", "claimed"]
    assert "created" in actions or "delivered" in actions
    assert (await audit.verify()).ok
