"""Steps shared by the lifecycle scenarios (extend, rotate, token buttons, housekeeping)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.devtools.slack_driver import SlackReply, date_value, text_value
from bot.domain.models import TokenRequest
from bot.services.housekeeping import HousekeepingReport
from bot.store.audit import AuditEntry, AuditLog
from bot.store.requests import RequestStore
from handlers.ids import ActionId, BlockId, Callback
from tests.scenario.harness import Harness


def team_id(harness: Harness) -> str:
    return harness.registries["team-registry"].id


def target(harness: Harness, token_id: str) -> str:
    """A token button's value, as the reminder DMs carry it."""
    return f"{team_id(harness)}:{token_id}"


async def open_extend(harness: Harness, user: str, token_id: str) -> dict[str, Any]:
    """The owner clicks Extend in a reminder DM; the modal opened for them."""
    before = len(harness.slack.calls_to("views.open"))
    await harness.click(ActionId.EXTEND, user, target(harness, token_id), channel=f"D{user}")
    assert len(harness.slack.calls_to("views.open")) == before + 1, harness.responses()[-1:]
    view = harness.last_opened_view()
    assert view["callback_id"] == Callback.EXTEND_MODAL
    return view


async def submit_extend(
    harness: Harness, user: str, view: dict[str, Any], day: date, reason: str = "CI goes on"
) -> SlackReply:
    values = {
        BlockId.EXPIRY: {ActionId.INPUT: date_value(day.isoformat())},
        BlockId.REASON: {ActionId.INPUT: text_value(reason)},
    }
    reply = await harness.driver.view_submission(
        Callback.EXTEND_MODAL,
        user_id=user,
        values=values,
        private_metadata=view["private_metadata"],
        view=view,
    )
    await harness.settle()
    return reply


async def housekeeping(harness: Harness) -> HousekeepingReport:
    services = harness.bot.services
    report = await services.lifecycle.housekeeping.housekeeping(services.clock.now())
    await harness.settle()
    return report


async def request_of(harness: Harness, request_id: str) -> TokenRequest:
    request = await RequestStore(harness.redis, harness.keys).get(request_id)
    assert request is not None
    return request


async def audit(harness: Harness, **where: str) -> list[AuditEntry]:
    """Audit entries matching `where`, oldest first."""
    return list(reversed(await AuditLog(harness.redis, harness.keys).latest(200, **where)))


def last_reply(harness: Harness) -> str:
    replies = harness.responses()
    assert replies, "nothing was answered on a response_url"
    return harness.text_of(replies[-1])
