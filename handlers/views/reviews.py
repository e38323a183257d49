"""Access reviews in Slack: the campaign message, its summary, the paged review modal and the
owner's DM. Pure builders; notes are user text and escaped (`handlers.views.text.escape`)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.domain.reviews import Campaign, Decision, ItemState, ReviewItem
from bot.services.reviews import ReviewPage
from bot.services.words import expiry_words, mention, relative, when
from handlers.ids import ActionId, BlockId, Callback
from handlers.views.blocks import (
    Block,
    actions,
    button,
    context,
    header,
    input_block,
    message,
    modal,
    plain,
    section,
)
from handlers.views.text import escape

NOTE_MAX = 500


def _who_started(campaign: Campaign) -> str:
    return "the review schedule" if campaign.scheduled else mention(campaign.started_by)


def _progress(campaign: Campaign) -> str:
    line = f"*{campaign.decided} of {campaign.total} decided*"
    extra = [f"{campaign.gone} gone"] if campaign.gone else []
    return line + (f" ({', '.join(extra)})" if extra else "")


def campaign_message(campaign: Campaign, now: datetime) -> dict[str, Any]:
    """Posted in the approval channel; updated as decisions come."""
    state = (
        f"Due *{when(campaign.due_at)}* ({relative(campaign.due_at, now)})."
        if campaign.open
        else f"Closed at its due date, {when(campaign.due_at)}."
    )
    blocks: list[Block] = [
        header(f"Access review: {campaign.registry_name}"),
        section(
            f"Under review: the *{campaign.total}* tokens of *{escape(campaign.registry_name)}* "
            "as of "
            f"{when(campaign.started_at)} (started by {_who_started(campaign)}). "
            "Keep, disable or delete each one; nobody reviews a token they own.\n"
            f"{state}\n{_progress(campaign)}"
        ),
        actions(
            BlockId.REVIEW_ACTIONS,
            [button("Review tokens", ActionId.REVIEW_TOKENS, campaign.id, style="primary")],
        ),
    ]
    if not campaign.open and campaign.not_reviewed:
        blocks.append(context("Tokens not reviewed yet can still be decided here."))
    text = (
        f"Access review of {escape(campaign.registry_name)}: {campaign.decided} of "
        f"{campaign.total} decided, due {when(campaign.due_at)}."
    )
    return message(text, blocks)


def summary_message(campaign: Campaign) -> dict[str, Any]:
    counts = (
        f"{campaign.kept} kept, {campaign.disabled} disabled, {campaign.deleted} deleted, "
        f"{campaign.not_reviewed} not reviewed"
        + (f", {campaign.gone} gone (deleted meanwhile)" if campaign.gone else "")
    )
    text = f"Access review of {escape(campaign.registry_name)} closed: {counts}."
    blocks: list[Block] = [
        header(f"Access review closed: {campaign.registry_name}"),
        section(f"*{counts}* of {campaign.total} tokens.  Due {when(campaign.due_at)}."),
    ]
    if campaign.not_reviewed:
        blocks.append(
            context("The tokens not reviewed are listed in the daily digest until decided.")
        )
    return message(text, blocks)


# the modal ------------------------------------------------------------------------------
def _value(campaign: Campaign, item: ReviewItem) -> str:
    return f"{campaign.id}:{item.token_id}"


def _fields(item: ReviewItem, owner: str | None, now: datetime) -> list[str]:
    last = when(item.last_reviewed) if item.last_reviewed else "never"
    return [
        f"*Owner*\n{mention(owner) if owner else 'nobody (not made through regbot)'}",
        f"*Scopes*\n{escape(item.scopes)}",
        f"*Status*\n{escape(item.status)}",
        f"*Expires*\n{expiry_words(item.expiry, now)}",
        f"*Last reviewed*\n{last}",
    ]


def _decided_line(item: ReviewItem) -> str:
    if item.state is ItemState.GONE:
        return "Gone: deleted while the review ran."
    verb = {ItemState.KEEP: "Kept", ItemState.DISABLE: "Disabled", ItemState.DELETE: "Deleted"}
    at = f" at {when(item.decided_at)}" if item.decided_at else ""
    note = f" — “{escape(item.note)}”" if item.note else ""
    return f"{verb.get(item.state, str(item.state))} by {mention(item.reviewer)}{at}{note}"


def _row(page: ReviewPage, item: ReviewItem, now: datetime) -> list[Block]:
    owner = page.current_owners.get(item.token_id) or item.owner
    blocks = [section(f"*`{escape(item.token_name)}`*", fields=_fields(item, owner, now))]
    if item.state.decided or item.state is ItemState.GONE:
        return [*blocks, context(_decided_line(item))]
    if page.actor in (item.owner, owner):
        return [*blocks, context("You own this token: another approver reviews it.")]
    if item.state is ItemState.DECIDING:
        return [*blocks, context("Being decided right now…")]
    value = _value(page.campaign, item)
    note = {"type": "plain_text_input", "action_id": ActionId.INPUT, "max_length": NOTE_MAX}
    confirm = {
        "title": plain("Delete the token?", 100),
        "text": plain(f"{item.token_name} is deleted at IONOS for good.", 300),
        "confirm": plain("Delete", 30),
        "deny": plain("Cancel", 30),
        "style": "danger",
    }
    return [
        *blocks,
        input_block(BlockId.review_note(item.token_id), "Note (optional)", note, optional=True),
        actions(
            BlockId.review_buttons(item.token_id),
            [
                button("Keep", ActionId.REVIEW_KEEP, value, style="primary"),
                button("Disable", ActionId.REVIEW_DISABLE, value),
                button("Delete", ActionId.REVIEW_DELETE, value, style="danger", confirm=confirm),
            ],
        ),
    ]


def review_modal(page: ReviewPage, now: datetime, notice: str | None = None) -> dict[str, Any]:
    campaign = page.campaign
    blocks: list[Block] = []
    if notice:
        blocks.append(section(notice, block_id=BlockId.REVIEW_NOTICE))
    blocks.append(
        context(
            f"*{escape(campaign.registry_name)}* · page {page.page + 1} of {page.pages} · "
            f"{campaign.decided} of {campaign.total} decided · due {when(campaign.due_at)}"
        )
    )
    for item in page.items:
        blocks.extend(_row(page, item, now))
    pager: list[Block] = []
    if page.page > 0:
        pager.append(
            button("Previous page", ActionId.REVIEW_PREV, f"{campaign.id}:{page.page - 1}")
        )
    if page.page + 1 < page.pages:
        pager.append(button("Next page", ActionId.REVIEW_NEXT, f"{campaign.id}:{page.page + 1}"))
    if pager:
        blocks.append(actions(BlockId.REVIEW_PAGER, pager))
    meta = json.dumps({"campaign_id": campaign.id, "page": page.page})
    has_input = any(b.get("type") == "input" for b in blocks)
    return modal(
        Callback.ACCESS_REVIEW_MODAL,
        "Review tokens",
        blocks,
        submit="Done" if has_input else None,
        close="Close",
        private_metadata=meta,
    )


def decided_notice(decided_item: ReviewItem) -> str:
    verbs = {ItemState.KEEP: "Kept", ItemState.DISABLE: "Disabled", ItemState.DELETE: "Deleted"}
    verb = verbs.get(decided_item.state, str(decided_item.state))
    return f":white_check_mark: {verb} `{escape(decided_item.token_name)}`."


def owner_told(campaign: Campaign, item: ReviewItem, decision: Decision) -> dict[str, Any]:
    """The owner's DM after a review disabled or deleted their token."""
    verb = "disabled" if decision is Decision.DISABLE else "deleted"
    text = (
        f"Your registry token {escape(item.token_name)} on {escape(campaign.registry_name)} "
        f"was {verb} in an access review."
    )
    note = f"\n>{escape(item.note)}" if item.note else ""
    blocks: list[Block] = [
        section(
            f"Your token *`{escape(item.token_name)}`* on *{escape(campaign.registry_name)}* was "
            f"*{verb}* by {mention(item.reviewer)} in an access review.{note}"
        ),
        context("Ask the registry's approvers if you still need access: `/regtoken request`."),
    ]
    return message(text, blocks)


def with_notice(view: dict[str, Any], text: str) -> dict[str, Any]:
    """The modal a click came from, with `text` on top (a refusal or failure, in words)."""
    kept = [b for b in view.get("blocks") or [] if b.get("block_id") != BlockId.REVIEW_NOTICE]
    keys = ("type", "callback_id", "title", "submit", "close", "private_metadata")
    fresh = {k: view[k] for k in keys if view.get(k)}
    notice = section(f":warning: {text}", block_id=BlockId.REVIEW_NOTICE)
    return fresh | {"blocks": [notice, *kept][:100]}
