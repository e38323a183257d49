"""Replies on a command's response_url go through the app's one aiohttp session (kept-alive
connections), with the body Bolt's own `respond()` would send (#17)."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any, cast

import aiohttp
import pytest
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.slack import RESPONSE_URL, FakeSlack, hooks_url, serve_fake_slack
from bot.runtime.clients import slack_session
from handlers.request_setup import RequestSetup
from handlers.respond import SessionRespond
from tests.proxy import ForwardProxy, serving
from tests.scenario.harness import Harness
from tests.slack_fixtures import DEVELOPER


async def test_replies_to_several_commands_share_one_connection(harness: Harness) -> None:
    for _ in range(4):
        await harness.command("help", DEVELOPER)
    replies = harness.slack.calls_to(RESPONSE_URL)
    assert len(replies) == 4
    # Bolt's own respond() opened a new session, so a new connection (a new port), per reply
    assert len({reply.peer for reply in replies}) == 1, [reply.peer for reply in replies]
    # the shared session carries no bot token to the response_url
    assert [reply.token for reply in replies] == [None] * 4


async def test_the_shared_session_keeps_no_cookies() -> None:
    session = slack_session()
    try:
        assert isinstance(session.cookie_jar, aiohttp.DummyCookieJar)
    finally:
        await session.close()


CALLS: list[dict[str, Any]] = [
    {"text": "hello"},
    {"text": "x", "response_type": "ephemeral", "replace_original": False},
    {"text": "x", "blocks": [], "replace_original": True},
    {
        "text": "x",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}],
        "delete_original": False,
        "unfurl_links": False,
    },
]


@pytest.mark.parametrize("kwargs", CALLS)
async def test_the_body_is_the_one_bolts_respond_sends(
    fake_slack: FakeSlack, kwargs: dict[str, Any]
) -> None:
    async with serve_fake_slack(fake_slack) as slack_url, aiohttp.ClientSession() as session:
        url = f"{hooks_url(slack_url)}/T/B/x"
        await AsyncRespond(response_url=url)(**kwargs)
        await SessionRespond(response_url=url, session=session)(**kwargs)
        await SessionRespond(response_url=url, session=session)(dict(kwargs))
    bolts, ours, ours_from_a_dict = (call.payload for call in fake_slack.calls_to(RESPONSE_URL))
    assert ours == bolts
    assert ours_from_a_dict == bolts


async def test_a_reply_goes_through_the_clients_proxy_and_logs_no_proxy_password(
    fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The Web API client reads HTTP(S)_PROXY once; a reply uses that proxy. Without it,
    slack_sdk read the variable again for every reply and logged it, password and all."""
    proxy = ForwardProxy()
    async with serving(proxy) as address, serve_fake_slack(fake_slack) as slack_url:
        for name in ("HTTPS_PROXY", "HTTP_PROXY"):
            monkeypatch.setenv(name, f"http://ops:s3cret@{address}")
        async with aiohttp.ClientSession() as session:
            client = AsyncWebClient(token="xoxb-test", base_url=slack_url, session=session)
            assert client.proxy is not None
            setup = RequestSetup(session=session, proxy=client.proxy)
            context = AsyncBoltContext(response_url=f"{hooks_url(slack_url)}/T/B/x")
            request = cast(Any, SimpleNamespace(body={}, context=context))

            async def listener() -> BoltResponse:
                caplog.set_level(logging.DEBUG)
                await context["respond"](text="hello")
                return BoltResponse(status=200)

            await setup.async_process(req=request, resp=BoltResponse(status=200), next=listener)
    assert [c.payload["text"] for c in fake_slack.calls_to(RESPONSE_URL)] == ["hello"]
    assert len(proxy.seen) == 1  # through the proxy
    assert not [r.getMessage() for r in caplog.records if "s3cret" in r.getMessage()]
