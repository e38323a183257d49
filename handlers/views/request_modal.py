"""The request modal: registry, token name, repository scopes, expiry, reason."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from bot.domain.models import Action
from bot.ionos.models import Registry
from bot.services.forms import MAX_SCOPES
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.blocks import (
    Block,
    actions,
    button,
    context,
    input_block,
    modal,
    option,
    plain,
    section,
)
from handlers.views.text import escaped_except

STATIC_SELECT_MAX = 100


# a form's submission nonce as regbot makes it (uuid4 hex): a tampered one could otherwise
# name another submission's record, e.g. a rotation's ``rotate:<token id>``
NONCE_PATTERN = r"^[0-9a-f]{32}$"


class RequestModalMeta(BaseModel):
    """Carried in the modal's private_metadata: the submission nonce and the layout."""

    nonce: str = Field(pattern=NONCE_PATTERN)  # only regbot's own: never "rotate:…"
    rows: int = 1
    registry_id: str | None = None


def _action_options() -> list[Block]:
    return [option(a.value, a.value) for a in Action]


def registry_option(registry: Registry) -> Block:
    return option(f"{registry.name} ({registry.properties.location})", registry.id)


def _registry_element(registries: list[Registry], selected: Registry | None) -> Block:
    if len(registries) > STATIC_SELECT_MAX:
        element: Block = {
            "type": "external_select",
            "action_id": ActionId.REGISTRY,
            "placeholder": plain("Type to search registries"),
            "min_query_length": 0,
        }
    else:
        element = {
            "type": "static_select",
            "action_id": ActionId.REGISTRY,
            "placeholder": plain("Pick a registry"),
            "options": [registry_option(r) for r in registries],
        }
    if selected is not None:
        element["initial_option"] = registry_option(selected)
    return element


def request_modal(
    *,
    meta: RequestModalMeta,
    registries: list[Registry],
    selected: Registry | None,
    token_name: str,
    expiry: date,
    max_expiry: date,
    max_days: int,
) -> Block:
    blocks: list[Block] = [
        section("Ask for an IONOS Container Registry token. Approvers will review it."),
        input_block(BlockId.REGISTRY, "Registry", _registry_element(registries, selected)),
        input_block(
            BlockId.TOKEN_NAME,
            "Token name",
            {
                "type": "plain_text_input",
                "action_id": ActionId.INPUT,
                "initial_value": token_name,
                "max_length": 63,
            },
            hint="2-63 letters, digits or dashes; starts with a letter. Also the docker username.",
        ),
    ]
    for index in range(min(meta.rows, MAX_SCOPES)):
        label = "Repository" if meta.rows == 1 else f"Repository {index + 1}"
        repo_element: Block = {
            "type": "plain_text_input",
            "action_id": ActionId.INPUT,
            "placeholder": plain("team/app, team/* or * for all"),
        }
        if index == 0:
            repo_element["initial_value"] = "*"
        checkboxes: Block = {
            "type": "checkboxes",
            "action_id": ActionId.INPUT,
            "options": _action_options(),
        }
        if index == 0:
            checkboxes["initial_options"] = [option("pull", "pull")]
        blocks.append(input_block(BlockId.scope_repo(index), label, repo_element))
        blocks.append(input_block(BlockId.scope_actions(index), "Actions", checkboxes))
    if meta.rows < MAX_SCOPES:
        blocks.append(
            actions("scope_more", [button("Add another repository", ActionId.ADD_SCOPE, "add")])
        )
    blocks += [
        input_block(
            BlockId.EXPIRY,
            "Expires on",
            {"type": "datepicker", "action_id": ActionId.INPUT, "initial_date": expiry.isoformat()},
            hint=f"At least 1 hour ahead, at most {max_days} days (until {max_expiry}).",
        ),
        input_block(
            BlockId.REASON,
            "Reason",
            {
                "type": "plain_text_input",
                "action_id": ActionId.INPUT,
                "multiline": True,
                "max_length": 1000,
                "placeholder": plain("What is it for? e.g. CI pipeline of team/app"),
            },
        ),
        context("The password is shown once, to you alone, when you collect the token."),
    ]
    return modal(
        Callback.REQUEST_MODAL,
        "Request a token",
        blocks,
        submit="Send request",
        private_metadata=meta.model_dump_json(),
    )


def loading_modal(meta: RequestModalMeta) -> Block:
    return modal(
        Callback.LOADING_MODAL,
        "Request a token",
        [section(":hourglass_flowing_sand: Loading the registries…")],
        private_metadata=meta.model_dump_json(),
    )


def problem_modal(
    words: str, title: str = "Request a token", *, people: tuple[str, ...] = ()
) -> Block:
    """Why the modal cannot go on; the words may carry user text (escaped, see `text`)."""
    text = escaped_except(words, people)
    return modal(Callback.LOADING_MODAL, title, [section(f":warning: {text}")], close="Close")
