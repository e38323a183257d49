"""Undoing a claim whose answer was lost (a broken connection, a failover, replicas that did not
confirm it): only that claim, named by its op id, is undone — once, audited; a newer claim, or
a request that moved on, is left alone."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.audit import AuditAction
from bot.domain.models import RequestState
from bot.store.audit import AuditLog
from bot.store.requests import RequestStore
from tests.store.conftest import REQUESTER, T0, TTL, count_actions, make_request, op

STALE = timedelta(minutes=15)


async def _approved(store: RequestStore) -> str:
    request = make_request()
    await store.create(request, nonce=op(), ttl=TTL)
    await store.approve(request.id, actor="U_BOSS", at=T0, op_id=op())
    return request.id


async def test_the_lost_claim_is_undone_once(store: RequestStore, audit: AuditLog) -> None:
    request_id = await _approved(store)
    lost = op()
    await store.claim(request_id, actor=REQUESTER, at=T0, stale_after=STALE, op_id=lost)

    undo = f"unclaim-{lost}"
    first = await store.unclaim(
        request_id, claim_op=lost, actor=REQUESTER, at=T0, detail="lost", op_id=undo
    )
    again = await store.unclaim(
        request_id, claim_op=lost, actor=REQUESTER, at=T0, detail="lost", op_id=undo
    )
    assert first.applied and again.applied  # the second is the stored answer
    assert first.request is not None and first.request.state is RequestState.APPROVED
    assert (await count_actions(audit))[AuditAction.CREATION_FAILED] == 1
    # and the requester's next click claims it at once
    claim = await store.claim(request_id, actor=REQUESTER, at=T0, stale_after=STALE, op_id=op())
    assert claim.applied


async def test_another_claim_or_a_later_state_is_left_alone(
    store: RequestStore, audit: AuditLog
) -> None:
    request_id = await _approved(store)
    await store.claim(request_id, actor=REQUESTER, at=T0, stale_after=STALE, op_id=op())
    other = await store.unclaim(
        request_id, claim_op="not-this-one", actor=REQUESTER, at=T0, detail="x", op_id=op()
    )
    assert not other.applied
    assert other.request is not None and other.request.state is RequestState.COLLECTING

    never = await store.unclaim(
        await _approved(store), claim_op="x", actor=REQUESTER, at=T0, detail="x", op_id=op()
    )
    assert not never.applied and never.request is not None
    assert never.request.state is RequestState.APPROVED
    assert AuditAction.CREATION_FAILED not in await count_actions(audit)
