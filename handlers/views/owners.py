"""An owner for every token: the adopt modal, the Assign owner select, the "owner left" report,
the new owner's DM, and the DM an owner gets when an approver changed their token. Pure
builders."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.reminders import TokenRef
from bot.services.owners import OwnedToken
from bot.services.ports import OwnerChange
from bot.services.words import mention
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.blocks import (
    Block,
    actions,
    button,
    context,
    input_block,
    message,
    modal,
    plain,
    section,
)
from handlers.views.text import code, escape, escaped_except


def assign_select() -> Block:
    """A user select; the token travels in its block's id (`BlockId.assign_owner`)."""
    return {
        "type": "users_select",
        "action_id": ActionId.ASSIGN_OWNER,
        "placeholder": plain("Assign owner", 150),
    }


def adopt_modal(target: OwnedToken) -> dict[str, Any]:
    ref = target.ref
    now = f"Its owner now: {mention(target.owner)}." if target.owner else "It has no owner now."
    select = {
        "type": "users_select",
        "action_id": ActionId.INPUT,
        "placeholder": plain("Pick a person", 150),
    }
    blocks: list[Block] = [
        section(
            f"Who owns *`{escape(ref.token_name)}`* on *{escape(ref.registry_name)}*? {now} "
            "The owner gets its expiry reminders and may manage it."
        ),
        input_block(BlockId.OWNER, "Owner", select),
    ]
    meta = json.dumps({"registry_id": ref.registry_id, "token_id": ref.token_id})
    return modal(
        Callback.ADOPT_MODAL, "Assign an owner", blocks, submit="Assign", private_metadata=meta
    )


def owner_assigned(done: OwnedToken) -> dict[str, Any]:
    ref = done.ref
    text = (
        f"{escape(ref.token_name)} on {escape(ref.registry_name)} now belongs to <@{done.owner}>."
    )
    return message(
        text,
        [
            section(
                f":white_check_mark: `{escape(ref.token_name)}` on "
                f"*{escape(ref.registry_name)}* now belongs to {mention(done.owner or '')}; "
                "they have been told."
            )
        ],
    )


def new_owner_dm(ref: TokenRef, by: str) -> dict[str, Any]:
    text = (
        f"You now own the registry token {escape(ref.token_name)} on {escape(ref.registry_name)}."
    )
    blocks: list[Block] = [
        section(
            f"{mention(by)} made you the owner of *`{escape(ref.token_name)}`* on "
            f"*{escape(ref.registry_name)}*. You will get its expiry reminders, see it in "
            "`/regtoken list`, and may extend, rotate, disable or delete it."
        ),
    ]
    return message(text, blocks)


def owner_left_message(ref: TokenRef, owner: str, why: str) -> dict[str, Any]:
    """To the approvers, once: the owner's account is deactivated or unreachable."""
    words = "was deactivated" if why == "deactivated" else "can no longer be reached in Slack"
    text = f"The owner of {escape(ref.token_name)} on {escape(ref.registry_name)} {words}."
    disable = button(
        "Disable",
        ActionId.DISABLE_NOW,
        ref.button_value,
        style="danger",
        confirm={
            "title": plain("Disable the token?", 100),
            "text": plain(f"{ref.token_name} on {ref.registry_name} stops working at once.", 300),
            "confirm": plain("Disable", 30),
            "deny": plain("Cancel", 30),
            "style": "danger",
        },
    )
    blocks: list[Block] = [
        section(
            f"{mention(owner)}, the owner of *`{escape(ref.token_name)}`* on "
            f"*{escape(ref.registry_name)}*, {words}. Give the token a new owner, or disable it."
        ),
        actions(BlockId.assign_owner(ref.registry_id, ref.token_id), [assign_select(), disable]),
        context("Reported once; the token stays as it is until someone acts."),
    ]
    return message(text, blocks)


def loading_modal(title: str) -> dict[str, Any]:
    """Shown at once (a trigger_id lives 3 s) while the token or the review is looked up."""
    return modal(
        Callback.LOADING_MODAL, title, [section(":hourglass_flowing_sand: Looking it up…")]
    )


def owner_change_message(change: OwnerChange) -> dict[str, Any]:
    who = mention(change.actor) if change.actor[:1] in ("U", "W") else escape(change.actor)
    text = (
        f"{who} {escape(change.what)} your token {code(change.token_name)} on "
        f"*{escape(change.registry_name)}*."
    )
    if change.note:
        text += f" {escaped_except(change.note, [change.actor])}"  # regbot's own mention
    return message(
        text,
        [
            section(f":information_source: {text}"),
            context("Approvers can do this to any token of their registries; it is audited."),
        ],
    )
