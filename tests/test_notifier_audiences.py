"""The audience notifiers built for the request flow (on the Slack client that retries) refuse
the sweep's messages: those go only through the sweep's paced post on the client without
retries, so a reminder is never resent (handlers/notifiers/sending.py)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from bot.domain.clock import FakeClock
from handlers.notifiers.approvers import ApproverNotifier
from handlers.notifiers.people import PeopleNotifier

NOTHING = cast(Any, None)


async def test_sweep_messages_need_the_sweeps_paced_post() -> None:
    people = PeopleNotifier(NOTHING, FakeClock())
    approvers = ApproverNotifier(NOTHING, FakeClock())
    with pytest.raises(RuntimeError, match="paced"):
        await people.remind_owner(cast(Any, type("R", (), {"owner": "UOWNER"})()))
    with pytest.raises(RuntimeError, match="paced"):
        await approvers.report_unowned("C0APPROVALS", NOTHING)
    with pytest.raises(RuntimeError, match="paced"):
        await approvers.post_digest(NOTHING)
