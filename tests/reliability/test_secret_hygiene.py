"""Secret hygiene: with DEBUG logging on every logger, a token password appears in exactly one
Slack call and nowhere else — not in logs (messages, extras, exception texts), not in Redis
(every key, every value, every type, streams included), not in the audit trail, not in what
the bot sends IONOS or answers Slack over HTTP, not in the /metrics exposition.

The IONOS stand-in hands out known sentinel passwords (`password_factory`). The first one is
created while Slack refuses the ephemeral message (so it is rolled back: it reaches Slack in
the refused call only); the second is delivered.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import aiohttp
import pytest

from bot.devtools.redis_server import RedisServer
from bot.devtools.slack import FakeSlack
from tests.reliability.flow import approved, password_messages, tokens
from tests.reliability.rig import everything_in_redis, new_fake_ionos, running_bot

pytestmark = pytest.mark.reliability

SENTINELS = ("SeNtInEl-Pw-0ne-7f3a9c1e", "SeNtInEl-Pw-Tw0-b84d20e6")


@pytest.fixture
def debug_everywhere(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Root and every logger known so far at DEBUG (restored afterwards)."""
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    loggers += [logging.getLogger(n) for n in ("httpx", "httpcore", "slack_bolt", "slack_sdk")]
    levels = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    try:
        yield caplog
    finally:
        for lg, level in levels:
            lg.setLevel(level)


def _everything_logged(records: list[logging.LogRecord], text: str) -> str:
    """Messages, arguments, extras and formatted exceptions of every record."""
    parts = [text]
    for record in records:
        parts.append(record.getMessage())
        parts.append(repr(vars(record)))
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


async def test_a_password_reaches_one_slack_call_and_nothing_else(
    fake_slack: FakeSlack,
    own_redis: RedisServer,
    debug_everywhere: pytest.LogCaptureFixture,
) -> None:
    made = itertools.cycle(SENTINELS)
    ionos = new_fake_ionos(password_factory=lambda: next(made))
    async with running_bot(fake_slack, redis_url=own_redis.url, ionos=ionos) as (harness, _):
        request_id = await approved(harness)
        harness.slack.fail("chat.postEphemeral", error="user_not_in_channel")
        first = await harness.collect("UDEV", request_id)  # created, refused by Slack, deleted
        assert tokens(harness) == []
        second = await harness.collect("UDEV", request_id)  # created and shown
        assert [t.password for t in tokens(harness)] == [SENTINELS[1]]
        base = harness.driver.url.removesuffix("/slack/events")
        async with aiohttp.ClientSession() as session, session.get(f"{base}/metrics") as page:
            assert page.status == 200
            metrics = await page.text()
        assert "regbot_" in metrics

        redis_text = await everything_in_redis(harness.redis)
        logged = _everything_logged(debug_everywhere.records, debug_everywhere.text)
        sent_to_ionos = repr([(r.path, r.query, r.body, r.headers) for r in ionos.requests])
        answered = first.text + second.text
        assert len(debug_everywhere.records) > 100  # DEBUG really was on
        assert "[redacted]" in logged  # and slack_sdk did log the delivery, masked
        for password in SENTINELS:
            (carrier,) = password_messages(harness, password)
            assert carrier.method == "chat.postEphemeral"
            assert (carrier.payload["channel"], carrier.payload["user"]) == ("DUDEV", "UDEV")
            assert password not in redis_text
            assert password not in logged
            assert password not in sent_to_ionos
            assert password not in answered
            assert password not in metrics
        assert "rolled_back" in redis_text and "delivered" in redis_text  # the trail is there


ODD_PASSWORDS = (
    "Odd\\back\\slash\"dq\"'sq'-1",  # \ " ' : what JSON and repr() escape
    "50%+off & <more> +%2B spaces -2",  # % + & < > and spaces: what URL- and entity-encoding change
    "Pässwörd-ключ-密码-✓ \"x\\y\" 'z'-3",  # unicode: \u escapes in JSON, %XX in URLs
)


def _forms(password: str) -> dict[str, str]:
    """The password as a log line could hold it, each form computed here, independently."""
    shown = password.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    forms = {
        "raw": password,
        "json": json.dumps(password),
        "json, no quotes": json.dumps(password)[1:-1],
        "json, unicode": json.dumps(password, ensure_ascii=False)[1:-1],
        "quote": quote(password),
        "quote, safe=''": quote(password, safe=""),
        "quote_plus": quote_plus(password),
        "repr": repr(password),
        "repr, no quotes": repr(password)[1:-1],
        "repr in a dict": repr({"text": f"`{password}`"})[10:-3],
        "as shown in Slack": shown,
        "as shown, json": json.dumps(shown)[1:-1],
        "as shown, repr": repr(shown)[1:-1],
        "as shown, json in json": json.dumps(json.dumps(shown))[1:-1],
    }
    return {name: form for name, form in forms.items() if form}


def _strings(value: object) -> str:
    """Every string inside a payload, as it is (not escaped for JSON or repr)."""
    if isinstance(value, dict):
        return "\n".join(_strings(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_strings(v) for v in value)
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize("password", ODD_PASSWORDS)
async def test_no_form_of_an_odd_password_reaches_the_logs(
    fake_slack: FakeSlack,
    own_redis: RedisServer,
    debug_everywhere: pytest.LogCaptureFixture,
    password: str,
) -> None:
    ionos = new_fake_ionos(password_factory=lambda: password)
    async with running_bot(fake_slack, redis_url=own_redis.url, ionos=ionos) as (harness, _):
        request_id = await approved(harness)
        await harness.collect("UDEV", request_id)
        assert [t.password for t in tokens(harness)] == [password]
        shown = password.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        (carrier,) = [c for c in harness.slack.calls if f"`{shown}`" in _strings(c.payload)]
        assert carrier.method == "chat.postEphemeral"  # delivered, shown as it is

        logged = _everything_logged(debug_everywhere.records, debug_everywhere.text)
        assert "[redacted]" in logged  # slack_sdk logged the delivery, masked
        for name, form in _forms(password).items():
            assert form not in logged, f"the password's {name} form was logged"
        assert password not in await everything_in_redis(harness.redis)
