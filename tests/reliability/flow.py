"""Steps of the request flow and the facts the reliability tests check after it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from bot.domain.models import RequestState, TokenRequest
from bot.store.audit import AuditLog
from bot.store.requests import RequestStore
from handlers.ids import ActionId
from handlers.views.request_modal import RequestModalMeta
from tests.scenario.harness import Harness

REDIS_DOWN_WORDS = "database is unreachable"


def fresh_view() -> dict[str, Any]:
    """A request modal as Slack would send it back, without the slash command that opens it
    (each one carries its own submission nonce)."""
    return {"private_metadata": RequestModalMeta(nonce=uuid.uuid4().hex).model_dump_json()}


async def submitted(harness: Harness, *, user: str = "UDEV", name: str = "ci-push") -> str:
    reply = await harness.submit_request(user, name=name, scopes=[("team/app", ["pull"])])
    assert reply.status == 200 and not reply.text, reply.text
    return await harness.request_id_posted()


async def approved(harness: Harness, *, name: str = "ci-push") -> str:
    request_id = await submitted(harness, name=name)
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    assert await state(harness, request_id) is RequestState.APPROVED
    return request_id


async def stored(harness: Harness, request_id: str) -> TokenRequest:
    request = await RequestStore(harness.redis, harness.keys).get(request_id)
    assert request is not None, f"request {request_id} is gone"
    return request


async def state(harness: Harness, request_id: str) -> RequestState:
    return (await stored(harness, request_id)).state


async def wait_for_state(
    harness: Harness, request_id: str, wanted: RequestState, limit: float = 10
) -> None:
    async with asyncio.timeout(limit):
        while await state(harness, request_id) is not wanted:
            await asyncio.sleep(0.005)


async def audit_actions(harness: Harness, request_id: str) -> list[str]:
    entries = await AuditLog(harness.redis, harness.keys).latest(1000, request_id=request_id)
    return [str(e.action) for e in reversed(entries)]


async def chain_ok(harness: Harness) -> bool:
    return (await AuditLog(harness.redis, harness.keys).verify()).ok


def tokens(harness: Harness, registry: str = "team-registry") -> list[Any]:
    return harness.ionos.tokens(harness.registries[registry].id)


def creates(harness: Harness) -> list[Any]:
    return [r for r in harness.ionos.requests if r.method == "POST"]


def password_messages(harness: Harness, password: str) -> list[Any]:
    return [c for c in harness.slack.calls if password in harness.text_of(c)]


def last_reply(harness: Harness) -> str:
    responses = harness.responses()
    assert responses, "nobody was answered"
    return harness.text_of(responses[-1])
