"""A token name belongs to one request, then to its token (issue #11, item 1).

The attack: a member asks for `ci-push`, gets it approved and waits; someone else then gets a
`ci-push` of their own; when the first one finally collects, IONOS answers 409 and the bot used
to delete the other person's token as its own "orphan". Now the name is reserved per registry
when a request is made (a second open request for it is refused in the modal), handed to the
token when it is collected, and freed when the request ends without a token or the token is
deleted; collecting deletes only a token that this very request's lost create made."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.devtools.ionos_knobs import FailRule
from bot.devtools.slack_driver import checkboxes, date_value, select_value, text_value
from bot.domain.models import RequestState
from bot.store.audit import AuditLog
from bot.store.ownership import OwnershipStore, TokenOwnership
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.approval import ReviewMeta
from tests.scenario.harness import Harness
from tests.scenario.lifecycle_steps import audit, request_of, team_id


def _request_values(harness: Harness, name: str) -> dict[str, Any]:
    expiry = harness.today() + timedelta(days=10)
    return {
        BlockId.REGISTRY: {ActionId.REGISTRY: select_value(team_id(harness))},
        BlockId.TOKEN_NAME: {ActionId.INPUT: text_value(name)},
        BlockId.EXPIRY: {ActionId.INPUT: date_value(expiry.isoformat())},
        BlockId.REASON: {ActionId.INPUT: text_value("the same name at once")},
        BlockId.scope_repo(0): {ActionId.INPUT: text_value("team/app")},
        BlockId.scope_actions(0): {ActionId.INPUT: checkboxes(["pull"])},
    }


async def _modal_errors(harness: Harness, user: str, **kwargs: Any) -> dict[str, str]:
    reply = await harness.submit_request(user, **kwargs)
    assert reply.status == 200 and reply.text, "the submission was accepted"
    assert reply.json["response_action"] == "errors"
    errors: dict[str, str] = reply.json["errors"]
    return errors


async def _approved(harness: Harness, user: str = "UDEV", name: str = "ci-push") -> str:
    reply = await harness.submit_request(user, name=name, scopes=[("team/app", ["pull"])])
    assert reply.status == 200 and not reply.text, reply.text
    request_id = await harness.request_id_posted()
    await harness.click(ActionId.APPROVE, "UAPP1", request_id)
    assert (await request_of(harness, request_id)).state is RequestState.APPROVED
    return request_id


async def test_a_name_held_by_an_open_request_is_refused_in_the_modal(harness: Harness) -> None:
    await _approved(harness, "UDEV", "ci-push")  # approved, not collected yet
    posts = len(harness.approval_posts())

    errors = await _modal_errors(harness, "UOTHER", name="ci-push")
    assert set(errors) == {BlockId.TOKEN_NAME}
    assert "`ci-push` is taken on team-registry" in errors[BlockId.TOKEN_NAME]
    assert len(harness.approval_posts()) == posts  # nothing reached the approvers
    # names are compared as IONOS would: case does not make a new name
    assert BlockId.TOKEN_NAME in await _modal_errors(harness, "UOTHER", name="CI-Push")
    refused = [e for e in await audit(harness) if e.action == "refused"]
    assert refused and refused[-1].actor == "UOTHER"
    assert "name_taken" in refused[-1].detail

    # the same name on another registry is another name
    reply = await harness.submit_request("UOTHER", registry="prod-registry", name="ci-push")
    assert reply.status == 200 and not reply.text, reply.text


async def test_a_denied_request_frees_its_name(harness: Harness) -> None:
    await harness.submit_request("UDEV", name="ci-push")
    request_id = await harness.request_id_posted()
    assert BlockId.TOKEN_NAME in await _modal_errors(harness, "UOTHER", name="ci-push")
    await harness.driver.view_submission(
        Callback.REVIEW_MODAL,
        user_id="UAPP1",
        values={
            BlockId.DECISION: {ActionId.INPUT: select_value("deny")},
            BlockId.COMMENT: {ActionId.INPUT: text_value("no")},
        },
        private_metadata=ReviewMeta(request_id=request_id).model_dump_json(),
    )
    await harness.settle()
    assert (await request_of(harness, request_id)).state is RequestState.DENIED

    reply = await harness.submit_request("UOTHER", name="ci-push")
    assert reply.status == 200 and not reply.text, reply.text


async def test_collecting_never_deletes_a_token_regbot_delivered_to_someone_else(
    harness: Harness,
) -> None:
    request_id = await _approved(harness, "UDEV", "ci-push")
    # A token of that name, with this very request's scopes and expiry, made after the approval
    # and delivered by regbot to someone else (as a request stored before names were reserved
    # could have): its ownership record says it is theirs.
    request = await request_of(harness, request_id)
    theirs = harness.ionos.add_token(
        team_id(harness),
        "ci-push",
        expiry=request.ask.expiry,
        scopes=[{"name": "team/app", "type": "repository", "actions": ["pull"]}],
    )
    await OwnershipStore(harness.redis, harness.keys).record(
        TokenOwnership(
            token_id=theirs.id,
            owner="UOTHER",
            registry_id=team_id(harness),
            registry_name="team-registry",
            token_name="ci-push",
            request_id="an-older-request",
            created_at=harness.bot.services.clock.now(),
        )
    )

    await harness.collect("UDEV", request_id)

    assert [t.id for t in harness.ionos.tokens(team_id(harness))] == [theirs.id]  # kept
    assert [r for r in harness.ionos.requests if r.method == "DELETE"] == []
    assert "already exists" in harness.text_of(harness.responses()[-1])
    assert harness.ephemerals_to("UDEV") == []  # no password: no token was made for UDEV
    failed = [e for e in await audit(harness, request_id=request_id)][-1]
    assert failed.action == "creation_failed"
    assert "regbot delivered it to someone" in failed.detail and "kept" in failed.detail


async def test_collecting_never_deletes_a_token_it_did_not_ask_for(harness: Harness) -> None:
    request_id = await _approved(harness, "UDEV", "ci-push")
    # made outside regbot after the approval, with other scopes: not this request's create
    other = harness.ionos.add_token(
        team_id(harness),
        "ci-push",
        scopes=[{"name": "team/app", "type": "repository", "actions": ["pull", "push"]}],
    )
    await harness.collect("UDEV", request_id)
    assert [t.id for t in harness.ionos.tokens(team_id(harness))] == [other.id]
    assert [r for r in harness.ionos.requests if r.method == "DELETE"] == []
    assert (await request_of(harness, request_id)).state is RequestState.APPROVED


async def test_a_lost_create_is_deleted_with_an_audit_entry_on_the_token(
    harness: Harness,
) -> None:
    request_id = await _approved(harness, "UDEV", "ci-push")
    harness.ionos.knobs.fail_next.append(FailRule("POST", r"/tokens$", 201, drop_response=True))
    await harness.collect("UDEV", request_id)
    deletes = [r for r in harness.ionos.requests if r.method == "DELETE"]
    assert len(deletes) == 1 and harness.ionos.tokens(team_id(harness)) == []
    orphan_id = deletes[0].path.rsplit("/", 1)[-1]
    entries = await AuditLog(harness.redis, harness.keys).latest(50, token=orphan_id)
    assert [(e.action, e.outcome, e.request_id) for e in entries] == [("deleted", "ok", request_id)]
    assert "lost create" in entries[0].detail

    await harness.collect("UDEV", request_id)  # the requester clicks again: it works
    (token,) = harness.ionos.tokens(team_id(harness))
    assert (await request_of(harness, request_id)).state is RequestState.COLLECTED
    holder = await harness.redis.get(harness.keys.name_claim(team_id(harness), "ci-push"))
    assert holder == f"token:{token.id}"  # the name went from the request to its token


async def test_a_collected_token_keeps_its_name_until_it_is_deleted(harness: Harness) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    assert BlockId.TOKEN_NAME in await _modal_errors(harness, "UOTHER", name="ci-push")

    await harness.command("delete team-registry ci-push", "UAPP1")
    confirm = harness.button_value(harness.responses()[-1], ActionId.CONFIRM_DELETE)
    await harness.click(ActionId.CONFIRM_DELETE, "UAPP1", confirm)
    assert harness.ionos.tokens(team_id(harness)) == []
    assert await OwnershipStore(harness.redis, harness.keys).get(token_id) is None
    deleted = [e for e in await audit(harness, token=token_id) if e.action == "deleted"]
    assert [(e.actor, e.outcome) for e in deleted] == [("UAPP1", "ok")]

    reply = await harness.submit_request("UOTHER", name="ci-push")  # the name is free again
    assert reply.status == 200 and not reply.text, reply.text


async def test_a_rotation_takes_the_next_name_when_another_request_holds_one(
    harness: Harness,
) -> None:
    await harness.issue_token("UDEV", name="ci-push")
    # someone aims at the predictable successor name before the owner rotates
    reply = await harness.submit_request("UOTHER", name="ci-push-r2")
    assert reply.status == 200 and not reply.text, reply.text

    await harness.command("rotate team-registry ci-push", "UDEV")
    rotation = await request_of(harness, await harness.request_id_posted())
    assert rotation.ask.token_name == "ci-push-r3"


async def test_a_token_gone_from_ionos_frees_its_name_with_an_audit_entry(
    harness: Harness,
) -> None:
    token_id = await harness.issue_token("UDEV", name="ci-push")
    registry = harness.ionos.registry(team_id(harness))
    assert registry is not None
    del registry.tokens[token_id]  # deleted outside regbot (or by IONOS at its expiry)

    await harness.command("list", "UDEV")  # regbot finds out when it next looks
    assert await OwnershipStore(harness.redis, harness.keys).get(token_id) is None
    cleared = [e for e in await audit(harness, token=token_id) if e.action == "deleted"]
    assert [(e.actor, e.outcome) for e in cleared] == [("regbot", "ok")]
    assert "ownership record cleared" in cleared[0].detail
    reply = await harness.submit_request("UOTHER", name="ci-push")
    assert reply.status == 200 and not reply.text, reply.text


async def test_simultaneous_requests_for_one_name_make_one_request(harness: Harness) -> None:
    users = [f"URACE{n}" for n in range(8)]
    views = [await harness.open_request_modal(user, "team-registry") for user in users]
    replies = await asyncio.gather(
        *(
            harness.driver.view_submission(
                Callback.REQUEST_MODAL,
                user_id=user,
                values=_request_values(harness, "ci-push"),
                private_metadata=view["private_metadata"],
                view=view,
            )
            for user, view in zip(users, views, strict=True)
        )
    )
    await harness.settle()
    accepted = [r for r in replies if r.status == 200 and not r.text]
    refused = [r for r in replies if r.text and BlockId.TOKEN_NAME in r.json["errors"]]
    assert (len(accepted), len(refused)) == (1, len(users) - 1)
    assert len(harness.approval_posts()) == 1
