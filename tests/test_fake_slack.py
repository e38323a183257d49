"""The fake Slack Web API, spoken to over real HTTP by slack_sdk's own AsyncWebClient."""

from __future__ import annotations

import json
from functools import partial

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.slack import RESPONSE_URL, FakeSlack, hooks_url

pytest_plugins = ["tests.slack_fixtures"]  # until the root conftest lists it

BOT_TOKEN = "xoxb-fake"  # the token `fake_slack` expects

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}
MODAL = {
    "type": "modal",
    "callback_id": "request_token",
    "title": {"type": "plain_text", "text": "Request a token"},
    "submit": {"type": "plain_text", "text": "Request"},
    "blocks": [SECTION],
}


@pytest.fixture
def client(slack_api_url: str) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack_api_url)


async def test_auth_test_names_the_bot_and_records_the_token(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    answer = await client.auth_test()

    assert (answer["user_id"], answer["team_id"]) == ("UBOT", "T0001")
    [call] = fake_slack.calls_to("auth.test")
    assert call.token == BOT_TOKEN


async def test_post_message_records_payload_and_keeps_live_state(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    first = await client.chat_postMessage(channel="C1", text="first", blocks=[SECTION])
    second = await client.chat_postMessage(channel="C1", text="second", thread_ts=first["ts"])

    assert first["channel"] == "C1"
    assert first["message"]["text"] == "first"
    assert float(second["ts"]) > float(first["ts"])
    [call, _] = fake_slack.calls_to("chat.postMessage")
    assert call.payload == {"channel": "C1", "text": "first", "blocks": [SECTION]}
    messages = fake_slack.messages_in("C1")
    assert [m["text"] for m in messages] == ["first", "second"]
    assert messages[1]["thread_ts"] == first["ts"]
    assert fake_slack.messages_in("C2") == []


async def test_form_encoded_calls_have_json_fields_decoded(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    await client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "hi", "blocks": json.dumps([SECTION])}
    )

    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.payload["blocks"] == [SECTION]
    assert fake_slack.messages_in("C1")[0]["blocks"] == [SECTION]


async def test_posting_needs_a_channel_and_some_content(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as no_text:
        await client.api_call("chat.postMessage", json={"channel": "C1"})
    with pytest.raises(SlackApiError) as no_channel:
        await client.api_call("chat.postMessage", json={"text": "hi"})

    assert no_text.value.response["error"] == "no_text"
    assert no_channel.value.response["error"] == "channel_not_found"


async def test_update_edits_an_existing_message_only(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    posted = await client.chat_postMessage(channel="C1", text="pending", blocks=[SECTION])

    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="approved", blocks=[])

    assert (updated["channel"], updated["ts"], updated["text"]) == ("C1", posted["ts"], "approved")
    [message] = fake_slack.messages_in("C1")
    assert (message["text"], message["blocks"]) == ("approved", [])
    assert message["edited"]["user"] == "UBOT"
    for channel, ts in [("C1", "1.000001"), ("C2", posted["ts"])]:
        with pytest.raises(SlackApiError) as missing:
            await client.chat_update(channel=channel, ts=ts, text="x")
        assert missing.value.response["error"] == "message_not_found"


async def test_ephemeral_messages_cannot_be_updated(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    answer = await client.chat_postEphemeral(channel="C1", user="UDEV", text="only you")

    with pytest.raises(SlackApiError) as refused:
        await client.chat_update(channel="C1", ts=answer["message_ts"], text="changed")

    assert refused.value.response["error"] == "message_not_found"
    [call] = fake_slack.calls_to("chat.postEphemeral")
    assert call.payload == {"channel": "C1", "user": "UDEV", "text": "only you"}
    assert fake_slack.messages_in("C1") == []


async def test_delete_removes_the_message(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    posted = await client.chat_postMessage(channel="C1", text="bye")

    await client.chat_delete(channel="C1", ts=posted["ts"])

    assert fake_slack.messages_in("C1") == []
    with pytest.raises(SlackApiError) as again:
        await client.chat_delete(channel="C1", ts=posted["ts"])
    assert again.value.response["error"] == "message_not_found"


async def test_dm_channel_is_stable_per_user(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    first = await client.conversations_open(users="UDEV")
    second = await client.conversations_open(users=["UDEV"])
    by_user_id = await client.chat_postMessage(channel="UDEV", text="to the DM")

    assert first["channel"]["id"] == second["channel"]["id"] == "DUDEV"
    assert second["already_open"] is True
    assert by_user_id["channel"] == "DUDEV"
    assert [m["text"] for m in fake_slack.messages_in("DUDEV")] == ["to the DM"]


async def test_views_have_ids_and_hashes_and_reject_stale_updates(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    opened = (await client.views_open(trigger_id="trig-1", view=MODAL))["view"]
    changed = {**MODAL, "private_metadata": "step-2"}

    updated = (await client.views_update(view_id=opened["id"], hash=opened["hash"], view=changed))[
        "view"
    ]
    with pytest.raises(SlackApiError) as stale:
        await client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)

    assert opened["id"].startswith("V")
    assert opened["root_view_id"] == opened["id"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    assert stale.value.response["error"] == "hash_conflict"
    assert fake_slack.view(opened["id"])["private_metadata"] == "step-2"
    [call] = fake_slack.calls_to("views.open")
    assert call.payload["view"] == MODAL


async def test_views_follow_slack_rules(client: AsyncWebClient) -> None:
    await client.views_open(trigger_id="trig-1", view=MODAL)
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "A title much longer than 24"}}
    attempts = {
        "exchanged_trigger_id": partial(client.views_open, trigger_id="trig-1", view=MODAL),
        "invalid_arguments": partial(client.views_open, trigger_id="trig-2", view=long_title),
        "not_found": partial(client.views_update, view_id="VNOPE", view=MODAL),
    }

    for error, attempt in attempts.items():
        with pytest.raises(SlackApiError) as refused:
            await attempt()
        assert refused.value.response["error"] == error


async def test_push_and_publish(client: AsyncWebClient) -> None:
    pushed = (await client.views_push(trigger_id="trig-9", view=MODAL))["view"]
    home = {"type": "home", "blocks": [SECTION]}
    published = (await client.views_publish(user_id="UDEV", view=home))["view"]
    again = (await client.views_publish(user_id="UDEV", view=home))["view"]

    assert pushed["callback_id"] == "request_token"
    assert published["id"] == again["id"]
    assert published["hash"] != again["hash"]


async def test_publish_keeps_each_users_home_and_refuses_what_slack_refuses(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    home = {"type": "home", "blocks": [SECTION]}
    await client.views_publish(user_id="UDEV", view=home)
    too_many = {"type": "home", "blocks": [SECTION] * 101}
    too_big = {"type": "home", "blocks": [SECTION] * 90, "private_metadata": "x" * 2999}
    too_big["blocks"] = [
        {**SECTION, "block_id": f"b{i}", "text": {"type": "mrkdwn", "text": "x" * 2990}}
        for i in range(90)
    ]
    attempts = {
        "invalid_arguments": partial(client.views_publish, user_id="UDEV", view=too_many),
        "view_too_large": partial(client.views_publish, user_id="UDEV", view=too_big),
    }
    for error, attempt in attempts.items():
        with pytest.raises(SlackApiError) as refused:
            await attempt()
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError):
        await client.views_publish(user_id="UDEV", view=MODAL)  # a modal is no Home

    assert fake_slack.home_of("UDEV")["blocks"] == [SECTION]  # the refused ones changed nothing
    assert [c.payload["user_id"] for c in fake_slack.calls_to("views.publish")] == ["UDEV"] * 4


async def test_users_info_and_usergroups(client: AsyncWebClient) -> None:
    user = (await client.users_info(user="UAPP2"))["user"]
    members = (await client.usergroups_users_list(usergroup="SAPPROVERS"))["users"]

    assert (user["id"], user["tz"], user["is_bot"]) == ("UAPP2", "America/New_York", False)
    assert members == ["UAPP1", "UAPP2"]
    with pytest.raises(SlackApiError) as no_user:
        await client.users_info(user="UNOBODY")
    with pytest.raises(SlackApiError) as no_group:
        await client.usergroups_users_list(usergroup="SNOPE")
    assert no_user.value.response["error"] == "user_not_found"
    assert no_group.value.response["error"] == "no_such_subteam"


async def test_queued_error_fails_the_next_calls_only(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postEphemeral", error="user_not_in_channel", times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postEphemeral(channel="C1", user="UOUT", text="x")
        assert refused.value.response.status_code == 200
        assert refused.value.response["error"] == "user_not_in_channel"
    assert (await client.chat_postEphemeral(channel="C1", user="UOUT", text="x"))["ok"]
    assert len(fake_slack.calls_to("chat.postEphemeral")) == 3


async def test_rate_limit_reaches_the_sdk_with_retry_after(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel="C1", text="x")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.response["error"] == "ratelimited"


async def test_rate_limit_retry_handler_retries_after_a_429(
    slack_api_url: str, fake_slack: FakeSlack
) -> None:
    client = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=slack_api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake_slack.fail("chat.postMessage", status=429, retry_after=0)

    answer = await client.chat_postMessage(channel="C1", text="eventually")

    assert answer["ok"]
    calls = fake_slack.calls_to("chat.postMessage")
    assert [c.payload["text"] for c in calls] == ["eventually", "eventually"]
    assert [m["text"] for m in fake_slack.messages_in("C1")] == ["eventually"]


async def test_server_error(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    fake_slack.fail("users.info", status=503)

    with pytest.raises(SlackApiError) as broken:
        await client.users_info(user="UDEV")

    assert broken.value.response.status_code == 503


async def test_wrong_or_missing_token_is_refused(slack_api_url: str) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack_api_url)
    with pytest.raises(SlackApiError) as refused:
        await wrong.chat_postMessage(channel="C1", text="x")
    async with (
        aiohttp.ClientSession() as session,
        session.post(slack_api_url + "auth.test") as response,
    ):
        anonymous = await response.json()

    assert refused.value.response["error"] == "invalid_auth"
    assert anonymous == {"ok": False, "error": "not_authed"}


async def test_token_form_field_is_accepted_and_kept_out_of_payload_and_repr(
    slack_api_url: str, fake_slack: FakeSlack
) -> None:
    async with aiohttp.ClientSession() as session:
        form = {"token": BOT_TOKEN, "user": "UDEV"}
        async with session.post(slack_api_url + "users.info", data=form) as response:
            answer = await response.json()

    [call] = fake_slack.calls
    assert answer["user"]["name"] == "dev"
    assert call.token == BOT_TOKEN
    assert call.payload == {"user": "UDEV"}
    assert BOT_TOKEN not in repr(call)
    assert BOT_TOKEN not in repr(fake_slack)


async def test_other_methods_answer_ok(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    answer = await client.reactions_add(channel="C1", name="tada", timestamp="1.000001")

    assert answer.data == {"ok": True}
    assert fake_slack.calls_to("reactions.add")[0].payload["name"] == "tada"


async def test_response_url_posts_are_recorded(slack_api_url: str, fake_slack: FakeSlack) -> None:
    url = hooks_url(slack_api_url) + "/commands/T0001/1/abc"
    async with aiohttp.ClientSession() as session:
        body = {"text": "done", "replace_original": True}
        async with session.post(url, json=body) as response:
            assert response.status == 200

    [call] = fake_slack.calls_to(RESPONSE_URL)
    assert call.payload == {"text": "done", "replace_original": True}
    assert call.path == "/hooks/commands/T0001/1/abc"


def test_a_200_failure_needs_an_error_code(fake_slack: FakeSlack) -> None:
    with pytest.raises(ValueError, match="error code"):
        fake_slack.fail("chat.postMessage")
