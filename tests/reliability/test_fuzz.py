"""Property-based fuzzing (hypothesis) of what Slack users can put in front of the bot: slash
command text, modal states (view_submission values and private_metadata) and action payloads
(unknown action ids, forged request ids, button values naming another registry's token).

For every example: no 5xx, no listener failure in the log, no IONOS call for input that is
invalid, and nothing changes that the sender's role does not allow (UOUT is nobody).
Examples per property: `EXAMPLES` (sized for the time budget; hypothesis' database is off so
runs are independent).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack
from handlers.ids import ActionId, BlockId, Callback
from handlers.listeners.commands import USAGE
from handlers.views.approval import ReviewMeta
from handlers.views.request_modal import RequestModalMeta
from tests.reliability.flow import approved, state, submitted
from tests.reliability.rig import PROD_APPROVER, listener_failures, running_bot
from tests.scenario.harness import Harness

pytestmark = pytest.mark.reliability

EXAMPLES = 120
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KNOWN_VERBS = {*USAGE, "pending"}


@dataclass
class World:
    harness: Harness
    pending: str  # UDEV's request on team-registry, waiting
    approved: str  # UDEV's request on team-registry, approved, not collected
    team_token: str  # UDEV's token on team-registry
    prod_token: str  # UAPP2's token on prod-registry

    @property
    def ids(self) -> list[str]:
        rids = [r.id for r in self.harness.registries.values()]
        return [self.pending, self.approved, self.team_token, self.prod_token, *rids]

    async def snapshot(self) -> tuple[object, ...]:
        """What UOUT must never be able to change."""
        h = self.harness
        tokens = sorted(
            (t.id, t.status, t.expiry) for r in h.registries.values() for t in h.ionos.tokens(r.id)
        )
        return (
            await state(h, self.pending),
            await state(h, self.approved),
            tuple(tokens),
        )


@pytest.fixture
async def world(fake_slack: FakeSlack, own_redis: RedisServer) -> AsyncIterator[World]:
    async with running_bot(fake_slack, redis_url=own_redis.url) as (harness, _):
        team_token = await harness.issue_token("UDEV", name="owned")
        prod_token = await harness.issue_token(
            "UAPP2", registry="prod-registry", name="prod-owned", approver=PROD_APPROVER
        )
        pending = await submitted(harness, name="waiting")
        ready = await approved(harness, name="ready")
        yield World(harness, pending, ready, team_token, prod_token)


def _ionos_calls(world: World) -> int:
    return len(world.harness.ionos.requests)


async def _check(world: World, caplog: pytest.LogCaptureFixture, status: int) -> None:
    await world.harness.settle()
    assert status < 500
    assert listener_failures(caplog.records) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def words(world: World) -> st.SearchStrategy[str]:
    vocabulary = [*sorted(KNOWN_VERBS), "team-registry", "prod-registry", "owned", "prod-owned"]
    return st.sampled_from(vocabulary) | st.sampled_from(world.ids) | st.text(max_size=40)


# -- slash commands -------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
async def test_fuzzed_slash_commands(
    world: World, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    parts = data.draw(st.lists(words(world), max_size=5))
    text = data.draw(st.sampled_from([" ".join(parts), "".join(parts)]))
    user = data.draw(st.sampled_from(["UOUT", "UDEV", "UAPP1"]))
    before, calls = await world.snapshot(), _ionos_calls(world)
    reply = await world.harness.driver.command(text, user_id=user)
    await _check(world, caplog, reply.status)
    verb = (text.split() or ["help"])[0].lower()
    if verb not in KNOWN_VERBS:  # invalid: answered with help, IONOS is not asked
        assert _ionos_calls(world) == calls, text
    if user == "UOUT":
        assert await world.snapshot() == before, text


# -- modal submissions ----------------------------------------------------------------------


def elements() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.fixed_dictionaries({"type": st.just("plain_text_input"), "value": json_values}),
        st.fixed_dictionaries(
            {
                "type": st.just("static_select"),
                "selected_option": json_values | st.fixed_dictionaries({"value": json_values}),
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("checkboxes"),
                "selected_options": json_values
                | st.lists(st.fixed_dictionaries({"value": json_values}), max_size=4),
            }
        ),
        st.fixed_dictionaries(
            {"type": st.just("datepicker"), "selected_date": json_values | st.dates().map(str)}
        ),
        st.dictionaries(st.text(max_size=10), json_values, max_size=3),
    )


def states() -> st.SearchStrategy[dict[str, Any]]:
    blocks = st.sampled_from(
        [b.value for b in BlockId]
        + [BlockId.scope_repo(i) for i in range(3)]
        + [BlockId.scope_actions(i) for i in range(3)]
    ) | st.text(max_size=12)
    action_ids = st.sampled_from([ActionId.INPUT.value, ActionId.REGISTRY.value]) | st.text(
        max_size=8
    )
    return st.dictionaries(blocks, st.dictionaries(action_ids, elements(), max_size=2), max_size=8)


@FUZZ
@given(data=st.data())
async def test_fuzzed_request_modal_states(
    world: World, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    values = data.draw(states())
    meta = data.draw(
        st.just(RequestModalMeta(nonce="f0" * 16).model_dump_json())
        | st.text(max_size=40)
        | json_values.map(json.dumps)
    )
    calls = _ionos_calls(world)
    reply = await world.harness.driver.view_submission(
        Callback.REQUEST_MODAL,
        user_id=data.draw(st.sampled_from(["UOUT", "UDEV"])),
        values=values,
        private_metadata=meta,
    )
    await _check(world, caplog, reply.status)
    assert not reply.text or reply.json["response_action"] == "errors", reply.text
    assert _ionos_calls(world) == calls  # a submission never reaches IONOS


@FUZZ
@given(data=st.data())
async def test_fuzzed_review_modal_states(
    world: World, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(world.ids) | st.text(max_size=20))
    meta = data.draw(
        st.just(ReviewMeta(request_id=target).model_dump_json())
        | st.text(max_size=40)
        | json_values.map(json.dumps)
    )
    before, calls = await world.snapshot(), _ionos_calls(world)
    reply = await world.harness.driver.view_submission(
        Callback.REVIEW_MODAL, user_id="UOUT", values=data.draw(states()), private_metadata=meta
    )
    await _check(world, caplog, reply.status)
    assert _ionos_calls(world) == calls
    assert await world.snapshot() == before


# -- button clicks --------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
async def test_fuzzed_action_payloads(
    world: World, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    registries = [r.id for r in world.harness.registries.values()]
    action = data.draw(st.sampled_from([a.value for a in ActionId]) | st.text(max_size=20))
    forged = st.builds(
        lambda r, t: f"{r}:{t}",
        st.sampled_from(registries) | st.text(max_size=10),
        st.sampled_from(world.ids) | st.text(max_size=10),
    )
    value = data.draw(st.none() | st.sampled_from(world.ids) | forged | st.text(max_size=60))
    before = await world.snapshot()
    writes = [r for r in world.harness.ionos.requests if r.method != "GET"]
    reply = await world.harness.driver.block_action(
        action, user_id="UOUT", value=value, channel_id="CAPPROVALS"
    )
    await _check(world, caplog, reply.status)
    assert await world.snapshot() == before, (action, value)
    assert [r for r in world.harness.ionos.requests if r.method != "GET"] == writes
