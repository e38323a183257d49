"""Fixtures for the Slack side: a populated `FakeSlack` and the URL it is served on.

Wire them in with ``pytest_plugins = ["tests.slack_fixtures"]`` in the root conftest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.slack import FakeSlack, serve_fake_slack

BOT_TOKEN = "xoxb-fake"
DEVELOPER = "UDEV"
APPROVER_1 = "UAPP1"
APPROVER_2 = "UAPP2"
OUTSIDER = "UOUT"
APPROVERS_GROUP = "SAPPROVERS"


@pytest.fixture
def fake_slack() -> FakeSlack:
    fake = FakeSlack(bot_user_id="UBOT", team_id="T0001", bot_token=BOT_TOKEN)
    fake.add_user(DEVELOPER, "dev", tz="Europe/Berlin")
    fake.add_user(APPROVER_1, "approver.one", tz="Europe/Berlin")
    fake.add_user(APPROVER_2, "approver.two", tz="America/New_York")
    fake.add_user(OUTSIDER, "outsider", tz="Asia/Tokyo")
    fake.add_user("UBOT", "regbot", is_bot=True)
    fake.set_usergroup(APPROVERS_GROUP, [APPROVER_1, APPROVER_2])
    return fake


@pytest.fixture
async def slack_api_url(fake_slack: FakeSlack) -> AsyncIterator[str]:
    """The fake's Web API base URL (ends in ``/api/``) for ``AsyncWebClient(base_url=...)``."""
    async with serve_fake_slack(fake_slack) as url:
        yield url
