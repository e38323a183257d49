"""Forged, malformed and replayed Slack requests (extends tests/scenario/test_bad_input.py).

The body sent is an Approve click on a pending request, so "no listener ran" is visible: the
request stays pending, the audit trail does not move, Slack and IONOS hear nothing.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from multidict import CIMultiDict

from bot.domain.models import RequestState
from handlers.ids import ActionId
from tests.reliability.flow import audit_actions, last_reply, state, submitted
from tests.reliability.rig import PROD_APPROVER, driver_of, listener_failures
from tests.scenario.harness import PROD_APPROVAL_CHANNEL, Harness

pytestmark = pytest.mark.reliability

FORM = "application/x-www-form-urlencoded"


async def _signed_approve(harness: Harness, request_id: str) -> tuple[bytes, dict[str, str]]:
    """A correctly signed Approve click by UAPP1, kept instead of sent."""
    driver = driver_of(harness)
    driver.hold = True
    try:
        await driver.block_action(
            ActionId.APPROVE, user_id="UAPP1", value=request_id, channel_id="CAPPROVALS"
        )
    finally:
        driver.hold = False
    return driver.sent[-1]


async def _post(harness: Harness, body: bytes, headers: list[tuple[str, str]]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(harness.driver.url, data=body, headers=CIMultiDict(headers)) as response,
    ):
        await response.read()
        return response.status


CASES = {
    "signature twice, junk first": lambda ts, sig: [
        ("X-Slack-Request-Timestamp", ts),
        ("X-Slack-Signature", "v0=" + "0" * 64),
        ("X-Slack-Signature", sig),
    ],
    "signature twice, valid first": lambda ts, sig: [
        ("X-Slack-Request-Timestamp", ts),
        ("X-Slack-Signature", sig),
        ("X-Slack-Signature", "v0=" + "0" * 64),
    ],
    "timestamp twice, stale first": lambda ts, sig: [
        ("X-Slack-Request-Timestamp", str(int(ts) - 400)),
        ("X-Slack-Request-Timestamp", ts),
        ("X-Slack-Signature", sig),
    ],
    "overlong signature (65 hex)": lambda ts, sig: [
        ("X-Slack-Request-Timestamp", ts),
        ("X-Slack-Signature", sig + "0"),
    ],
    "overlong signature (8 KB)": lambda ts, sig: [
        ("X-Slack-Request-Timestamp", ts),
        ("X-Slack-Signature", "v0=" + "a" * 8000),
    ],
    "overlong timestamp": lambda ts, sig: [
        ("X-Slack-Request-Timestamp", ts + "0" * 20),
        ("X-Slack-Signature", sig),
    ],
    "upper-case hex signature": lambda ts, sig: [
        ("X-Slack-Request-Timestamp", ts),
        ("X-Slack-Signature", sig.upper()),
    ],
}


async def _unchanged(harness: Harness, request_id: str, calls_before: int) -> None:
    await harness.settle()
    assert await state(harness, request_id) is RequestState.PENDING
    assert await audit_actions(harness, request_id) == ["requested"]
    assert len(harness.slack.calls) == calls_before  # no answer, no message: no listener ran
    assert [r for r in harness.ionos.requests if "/tokens" in r.path] == []


@pytest.mark.parametrize(
    "case",
    [c for c in CASES],
)
async def test_malformed_signing_headers_get_401_and_run_nothing(
    rig: Harness, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    request_id = await submitted(rig)
    body, good = await _signed_approve(rig, request_id)
    calls = len(rig.slack.calls)
    headers = [
        ("Content-Type", FORM),
        *CASES[case](good["X-Slack-Request-Timestamp"], good["X-Slack-Signature"]),
    ]
    status = await _post(rig, body, headers)
    await rig.settle()  # a listener that did run finishes inside this test
    assert status == 401, status
    await _unchanged(rig, request_id, calls)
    assert listener_failures(caplog.records) == []


@pytest.mark.parametrize("signed", [True, False])
async def test_a_huge_body_is_refused_before_any_listener(
    rig: Harness, signed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    request_id = await submitted(rig)
    body, _ = await _signed_approve(rig, request_id)
    huge = body + b"&padding=" + b"x" * (2 * 1024 * 1024)  # past the 1 MiB limit
    headers = (
        rig.driver.signed_headers(huge)
        if signed
        else {
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64,
        }
    )
    calls = len(rig.slack.calls)
    status = await _post(rig, huge, [("Content-Type", FORM), *headers.items()])
    assert status in (401, 413)  # the guard passes a well-formed forgery; the size check stops it
    await _unchanged(rig, request_id, calls)
    assert listener_failures(caplog.records) == []


async def test_a_replayed_approve_makes_no_second_transition(rig: Harness) -> None:
    request_id = await submitted(rig)
    body, headers = await _signed_approve(rig, request_id)
    sent = headers | {"Content-Type": FORM}
    first = await rig.driver.raw(body, sent)
    await rig.settle()
    replays = await asyncio.gather(*(rig.driver.raw(body, sent) for _ in range(3)))
    await rig.settle()
    assert {first.status, *(r.status for r in replays)} == {200}  # Bolt accepts the replay ...
    assert await state(rig, request_id) is RequestState.APPROVED  # ... the store does not
    assert await audit_actions(rig, request_id) == ["requested", "approved"] + ["refused"] * 3
    approved_dms = [c for c in rig.dms_to("UDEV") if ActionId.COLLECT in rig.text_of(c)]
    assert len(approved_dms) == 1
    assert "already approved by <@UAPP1>" in last_reply(rig)


async def test_a_replayed_first_approval_of_two_does_not_count_twice(rig: Harness) -> None:
    await rig.submit_request(
        "UDEV", registry="prod-registry", name="prod-push", scopes=[("prod/app", ["push"])]
    )
    request_id = await rig.request_id_posted(PROD_APPROVAL_CHANNEL)
    await rig.driver.block_action(
        ActionId.APPROVE, user_id=PROD_APPROVER, value=request_id, channel_id=PROD_APPROVAL_CHANNEL
    )
    await rig.settle()
    body, headers = driver_of(rig).sent[-1]
    replay = await rig.driver.raw(body, headers)
    await rig.settle()
    assert replay.status == 200
    assert await state(rig, request_id) is RequestState.PENDING  # still 1 of 2
    assert await audit_actions(rig, request_id) == ["requested", "approval_recorded", "refused"]
    assert "already approved" in last_reply(rig)
