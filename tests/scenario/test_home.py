"""The Home tab over signed HTTP: what a requester and an approver see, acting from it, and
its staying current when things change elsewhere. Every published view is also checked
against Block Kit's rules by the harness fixture (tests/blockkit.py)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.models import RequestState
from bot.policy.model import Policy
from bot.store.audit import AuditLog
from bot.store.requests import RequestStore
from handlers.ids import ActionId, Callback
from tests.scenario.harness import APPROVAL_CHANNEL, Harness, policy_mapping


@pytest.fixture
def policy() -> Policy:
    """One person with many open requests: these tests are about Home, not the per-person
    limit (tests/scenario/test_flood.py covers that)."""
    mapping = policy_mapping()
    mapping["defaults"]["max_open_requests_per_user"] = 1000
    return Policy.from_mapping(mapping)



def values_of(view: dict[str, Any], action_id: str) -> list[str]:
    return [
        str(element.get("value"))
        for block in view.get("blocks") or []
        for element in block.get("elements") or []
        if element.get("action_id") == action_id
    ]


def words(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


async def state_of(harness: Harness, request_id: str) -> RequestState:
    request = await RequestStore(harness.redis, harness.keys).get(request_id)
    assert request is not None
    return request.state


async def actions_audited(harness: Harness, request_id: str) -> list[str]:
    entries = await AuditLog(harness.redis, harness.keys).latest(500, request_id=request_id)
    return [f"{e.action}:{e.outcome}" for e in reversed(entries)]


async def asked(harness: Harness, user: str, name: str, **kwargs: Any) -> str:
    """A pending request (pull only: one approval decides it) and its id."""
    kwargs.setdefault("scopes", [("team/app", ["pull"])])
    reply = await harness.submit_request(user, name=name, **kwargs)
    assert reply.status == 200 and not reply.text, reply.text
    return await harness.request_id_posted()


async def test_home_for_a_requester_with_tokens_and_requests(harness: Harness) -> None:
    later = await harness.issue_token("UDEV", name="later-token")
    soon = await harness.issue_token("UDEV", name="soon-token")
    registry = harness.registries["team-registry"]
    in_ten_days, in_three = (
        harness.ionos.token(registry.id, later),
        harness.ionos.token(registry.id, soon),
    )
    assert in_ten_days is not None and in_ten_days.expiry is not None and in_three is not None
    in_three.expiry = in_ten_days.expiry - timedelta(days=7)  # made second, expires first
    pending = await asked(harness, "UDEV", "waiting-one")
    approved = await asked(harness, "UDEV", "approved-one")
    await harness.click(ActionId.APPROVE, "UAPP1", approved)
    denied = await asked(harness, "UDEV", "denied-one")
    await harness.bot.services.requests.deny(denied, "UAPP1", "use the shared <token> & go")

    home = await harness.open_home("UDEV")

    text = words(home)
    assert home["type"] == "home"
    assert text.index("soon-token") < text.index("later-token")  # soonest expiry first
    assert "expires in 3 days, on " in text
    assert values_of(home, ActionId.EXTEND) == [f"{registry.id}:{soon}", f"{registry.id}:{later}"]
    assert values_of(home, ActionId.ROTATE) == [f"{registry.id}:{soon}", f"{registry.id}:{later}"]
    assert values_of(home, ActionId.DISABLE_NOW) == [
        f"{registry.id}:{soon}",
        f"{registry.id}:{later}",
    ]
    assert set(values_of(home, ActionId.CANCEL_REQUEST)) == {pending, approved}
    assert values_of(home, ActionId.COLLECT) == [approved]
    assert "waiting for approval (0 of 1)" in text
    assert "denied by <@UAPP1>" in text and "Recently decided" in text
    assert "use the shared &lt;token&gt; &amp; go" in text  # their words, escaped
    assert values_of(home, ActionId.HOME_REQUEST) == ["request"]
    assert "Waiting for your decision" not in text  # UDEV approves nothing
    for token in harness.ionos.tokens(registry.id):
        assert token.password and token.password not in text  # nothing secret on Home


async def test_home_for_an_approver_never_lists_their_own_request(harness: Harness) -> None:
    theirs = await asked(harness, "UDEV", "dev-token")
    own = await asked(harness, "UAPP1", "own-token")

    home = await harness.open_home("UAPP1")

    assert "Waiting for your decision (1)" in words(home)
    for action in (ActionId.APPROVE, ActionId.REVIEW, ActionId.DENY):
        assert values_of(home, action) == [theirs], action
    assert values_of(home, ActionId.CANCEL_REQUEST) == [own]  # their own: theirs to withdraw
    outsider = await harness.open_home("UOUT")
    assert values_of(outsider, ActionId.APPROVE) == []  # others' requests are not theirs to see
    assert "dev-token" not in words(outsider)


async def test_approve_from_home_then_collect_from_home(harness: Harness) -> None:
    request_id = await asked(harness, "UDEV", "from-home")
    await harness.open_home("UDEV")
    await harness.open_home("UAPP1")

    reply = await harness.click_home(ActionId.APPROVE, "UAPP1", request_id)

    assert reply.status == 200
    assert await state_of(harness, request_id) is RequestState.APPROVED
    assert values_of(harness.home("UAPP1"), ActionId.APPROVE) == []  # decided: off their list
    assert "Approved" in harness.text_of(harness.dms_to("UAPP1")[-1])  # no response_url: DM
    assert values_of(harness.home("UDEV"), ActionId.COLLECT) == [request_id]

    await harness.click_home(ActionId.COLLECT, "UDEV", request_id)

    assert await state_of(harness, request_id) is RequestState.COLLECTED
    made = harness.ionos.tokens(harness.registries["team-registry"].id)
    password = next(t.password for t in made if t.name == "from-home")
    shown = [c for c in harness.ephemerals_to("UDEV") if password in harness.text_of(c)]
    assert [c.payload["channel"] for c in shown] == ["DUDEV"]  # once, ephemeral, in the DM
    assert not any(password in words(v) for v in harness.homes_published("UDEV"))
    home = harness.home("UDEV")
    assert values_of(home, ActionId.COLLECT) == [] and "from-home" in words(home)
    assert "token created" in words(home)


async def test_a_home_approve_of_ones_own_request_is_refused(harness: Harness) -> None:
    own = await asked(harness, "UAPP1", "own-token")
    await harness.open_home("UAPP1")

    await harness.click_home(ActionId.APPROVE, "UAPP1", own)  # a forged click: not on their Home

    assert await state_of(harness, own) is RequestState.PENDING
    assert "your own request" in harness.text_of(harness.dms_to("UAPP1")[-1])
    assert "refused:refused" in await actions_audited(harness, own)


async def test_cancel_from_home_updates_the_channel_and_a_late_approve_changes_nothing(
    harness: Harness,
) -> None:
    request_id = await asked(harness, "UDEV", "changed-mind")
    await harness.open_home("UDEV")

    await harness.click_home(ActionId.CANCEL_REQUEST, "UDEV", request_id)

    assert await state_of(harness, request_id) is RequestState.CANCELLED
    assert "cancelled:ok" in await actions_audited(harness, request_id)
    update = harness.calls("chat.update")[-1]
    assert update.payload["channel"] == APPROVAL_CHANNEL
    assert "Withdrawn by the requester" in harness.text_of(update)
    assert values_of(update.payload, ActionId.APPROVE) == []  # no buttons left
    home = harness.home("UDEV")
    assert values_of(home, ActionId.CANCEL_REQUEST) == []
    assert "withdrawn by you" in words(home)

    await harness.click(ActionId.APPROVE, "UAPP1", request_id)  # the old button, clicked late

    assert await state_of(harness, request_id) is RequestState.CANCELLED
    assert "This request was withdrawn" in harness.text_of(harness.responses()[-1])
    assert (await actions_audited(harness, request_id))[-1] == "refused:refused"


async def test_cancel_from_the_dm_and_by_command_and_never_by_someone_else(
    harness: Harness,
) -> None:
    first = await asked(harness, "UDEV", "first-ask")
    pending_dm = [c for c in harness.dms_to("UDEV") if "first-ask" in harness.text_of(c)][-1]
    assert harness.button_value(pending_dm, ActionId.CANCEL_REQUEST) == first

    await harness.click(ActionId.CANCEL_REQUEST, "UOUT", first, channel="DUDEV")

    assert await state_of(harness, first) is RequestState.PENDING
    assert "Only the person who asked" in harness.text_of(harness.responses()[-1])
    assert (await actions_audited(harness, first))[-1] == "refused:refused"

    await harness.click(ActionId.CANCEL_REQUEST, "UDEV", first, channel="DUDEV")

    assert await state_of(harness, first) is RequestState.CANCELLED
    replaced = harness.responses()[-1].payload
    assert replaced.get("replace_original") is True and "You withdrew" in json.dumps(replaced)

    second = await asked(harness, "UDEV", "second-ask")
    await harness.click(ActionId.APPROVE, "UAPP1", second)
    approved_dm = [c for c in harness.dms_to("UDEV") if ActionId.COLLECT in harness.text_of(c)]
    assert harness.button_value(approved_dm[-1], ActionId.CANCEL_REQUEST) == second

    await harness.command("cancel <!channel>", "UDEV")
    assert "Name the request" in harness.text_of(harness.responses()[-1])
    await harness.command("cancel second-ask", "UOUT")  # not theirs: no such request of theirs
    assert await state_of(harness, second) is RequestState.APPROVED
    await harness.command("cancel second-ask", "UDEV")

    assert await state_of(harness, second) is RequestState.CANCELLED
    assert "You withdrew" in harness.text_of(harness.responses()[-1])
    await harness.collect("UDEV", second)  # the old collect button: nothing is created
    assert not [t for t in harness.ionos.tokens(harness.registries["team-registry"].id)]


async def test_home_is_refreshed_after_a_decision_made_in_the_channel(harness: Harness) -> None:
    request_id = await asked(harness, "UDEV", "elsewhere")
    await harness.open_home("UDEV")
    before = await harness.open_home("UAPP2")
    assert values_of(before, ActionId.APPROVE) == [request_id]
    published = len(harness.homes_published("UAPP2"))

    await harness.click(ActionId.APPROVE, "UAPP1", request_id)  # in the channel
    await harness.homes_settled()

    assert len(harness.homes_published("UAPP2")) > published
    assert values_of(harness.home("UAPP2"), ActionId.APPROVE) == []
    assert values_of(harness.home("UDEV"), ActionId.COLLECT) == [request_id]
    assert harness.homes_published("UOUT") == []  # never opened Home: never published


async def test_a_cancel_racing_an_approval_ends_in_one_outcome(harness: Harness) -> None:
    """Whichever runs first, the request ends withdrawn (an approved request can still be
    withdrawn until collected), one cancel is on record, an approval only before it, the
    channel shows the withdrawal and no token is made."""
    team = harness.registries["team-registry"]
    for attempt in range(5):
        request_id = await asked(harness, "UDEV", f"race-{attempt}")
        await asyncio.gather(
            harness.click(ActionId.APPROVE, "UAPP1", request_id),
            harness.click(ActionId.CANCEL_REQUEST, "UDEV", request_id, channel="DUDEV"),
        )
        await harness.homes_settled()
        assert await state_of(harness, request_id) is RequestState.CANCELLED
        audited = await actions_audited(harness, request_id)
        assert audited.count("cancelled:ok") == 1, audited
        if "approved:ok" in audited:  # the approval ran first
            assert audited.index("approved:ok") < audited.index("cancelled:ok")
        else:  # the cancel ran first: the approval was refused in words, and on record
            assert audited[-1] == "refused:refused", audited
        shown = [
            m
            for m in harness.slack.messages_in(APPROVAL_CHANNEL)
            if request_id in json.dumps(m) or f"race-{attempt}" in json.dumps(m)
        ]
        assert "Withdrawn by the requester" in json.dumps(shown[-1]), shown[-1]
        if "approved:ok" in audited:  # its DM has a collect button: it creates nothing now
            await harness.collect("UDEV", request_id)
        assert not [t for t in harness.ionos.tokens(team.id) if t.name == f"race-{attempt}"]


async def test_show_all_opens_a_paged_modal(harness: Harness) -> None:
    for index in range(10):
        await asked(harness, "UDEV", f"many-{index}")
    home = await harness.open_home("UDEV")
    assert values_of(home, ActionId.HOME_SHOW_ALL) == ["requests"]

    await harness.click_home(ActionId.HOME_SHOW_ALL, "UDEV", "requests")

    modal = harness.last_opened_view()
    assert modal["callback_id"] == Callback.HOME_LIST_MODAL
    assert len(values_of(modal, ActionId.CANCEL_REQUEST)) == 10
    assert "page 1 of 1" in words(modal)


async def test_request_a_token_from_home_and_the_messages_tab_publishes_nothing(
    harness: Harness,
) -> None:
    reply = await harness.driver.event(
        {"type": "app_home_opened", "user": "UDEV", "tab": "messages"}
    )
    await harness.homes_settled()
    assert reply.status == 200 and harness.homes_published("UDEV") == []

    await harness.open_home("UDEV")
    await harness.click_home(ActionId.HOME_REQUEST, "UDEV", "request")

    assert harness.last_opened_view()["callback_id"] == Callback.REQUEST_MODAL


async def test_token_and_decision_buttons_work_from_home(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="home-token")
    registry = harness.registries["team-registry"]
    value = f"{registry.id}:{token_id}"
    await harness.open_home("UDEV")

    await harness.click_home(ActionId.DISABLE_NOW, "UDEV", value)

    token = harness.ionos.token(registry.id, token_id)
    assert token is not None and token.status == "disabled"
    assert "disabled" in harness.text_of(harness.dms_to("UDEV")[-1])  # the answer, in the DM
    assert values_of(harness.home("UDEV"), ActionId.ENABLE_NOW) == [value]  # republished

    await harness.click_home(ActionId.EXTEND, "UDEV", value)
    assert harness.last_opened_view()["callback_id"] == Callback.EXTEND_MODAL

    await harness.open_home("UOUT")
    await harness.click_home(ActionId.DISABLE_NOW, "UOUT", value)  # a forged click: refused
    assert "Only the token's owner" in harness.text_of(harness.dms_to("UOUT")[-1])

    request_id = await asked(harness, "UDEV", "to-review")
    await harness.open_home("UAPP1")
    await harness.click_home(ActionId.DENY, "UAPP1", request_id)
    assert harness.last_opened_view()["callback_id"] == Callback.REVIEW_MODAL
