"""A token name is reserved on every path that makes a request — a person's request, one a
self-service rule approves, a break-glass request — and freed on every path that ends one
without a token: withdrawing it, revoking a break-glass request before it is collected. The
per-person limit counts a rule's request once the rule's cap sends it to the approvers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis.asyncio as aioredis

from bot.domain.errors import NameTaken, TooManyOpen
from bot.domain.models import RequestState, TokenRequest
from bot.store.keys import Keys
from bot.store.requests import RequestStore
from bot.store.rules import RulesStore
from tests.store.conftest import REQUESTER, T0, TTL, make_ask, make_request, op

LATER = T0 + timedelta(minutes=5)


def named(name: str, *, requester: str = REQUESTER) -> TokenRequest:
    return make_request(requester=requester).model_copy(update={"ask": make_ask(token_name=name)})


@pytest.fixture
def rules(redis: aioredis.Redis, keys: Keys, store: RequestStore) -> RulesStore:
    return RulesStore(redis, keys, store)


async def _decided(
    rules: RulesStore, request: TokenRequest, *, break_glass: bool = False, **kw: object
) -> TokenRequest:
    made = await rules.create_decided(
        request,
        nonce=op(),
        ttl=TTL,
        decided_by=request.requester if break_glass else "regbot",
        detail="decided",
        rule="" if break_glass else "short",
        break_glass=break_glass,
        **kw,  # type: ignore[arg-type]
    )
    return made.request


async def test_a_rule_cannot_approve_a_name_an_open_request_holds(
    store: RequestStore, rules: RulesStore
) -> None:
    await store.create(named("ci-push"), nonce=op(), ttl=TTL)
    with pytest.raises(NameTaken):
        await _decided(rules, named("ci-push", requester="U_OTHER"))
    with pytest.raises(NameTaken):
        await _decided(rules, named("ci-push", requester="U_OTHER"), break_glass=True)


async def test_a_request_cannot_take_a_name_a_rule_approved(
    store: RequestStore, rules: RulesStore
) -> None:
    approved = await _decided(rules, named("ci-push"))
    assert approved.state is RequestState.APPROVED
    with pytest.raises(NameTaken):
        await store.create(named("ci-push", requester="U_OTHER"), nonce=op(), ttl=TTL)


async def test_withdrawing_frees_the_name(store: RequestStore) -> None:
    request, _ = await store.create(named("ci-push"), nonce=op(), ttl=TTL)
    done = await store.cancel(request.id, actor=REQUESTER, at=LATER, detail="no", op_id=op())
    assert done.applied
    again, created = await store.create(named("ci-push", requester="U_OTHER"), nonce=op(), ttl=TTL)
    assert created and again.requester == "U_OTHER"


async def test_revoking_an_uncollected_break_glass_frees_the_name(
    store: RequestStore, rules: RulesStore
) -> None:
    request = await _decided(rules, named("ci-push"), break_glass=True)
    done = await rules.review(
        request, verb="revoke", actor="UAPP1", at=LATER, detail="revoke now", op_id=op()
    )
    assert done.applied and done.request is not None
    assert done.request.state is RequestState.CANCELLED
    _again, created = await store.create(named("ci-push", requester="U_OTHER"), nonce=op(), ttl=TTL)
    assert created


async def test_over_its_cap_a_rule_request_counts_against_the_per_person_limit(
    store: RequestStore, rules: RulesStore
) -> None:
    await store.create(named("first"), nonce=op(), ttl=TTL, max_open=1)
    approved = await _decided(rules, named("second"), cap=1, max_open=1)
    assert approved.state is RequestState.APPROVED  # approved by the rule: nobody waits
    with pytest.raises(TooManyOpen):  # the cap is spent: it would wait, and one already does
        await _decided(rules, named("third"), cap=1, max_open=1)
