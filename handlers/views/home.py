"""regbot's Home tab: your tokens, your requests, what waits for your decision.

A Home view holds at most 100 blocks, so each section shows its first page (`PAGE` items)
with the count and a "Show all" button opening the paged modal (`handlers.views.home_list`).
With every section full the view stays under the limit (`MAX_BLOCKS` is asserted by the
tests for 150 items each). The Home is persistent and visible to its owner only, but never
carries a secret: the password goes to a one-time ephemeral message in the DM, never here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.services.home import HomeSnapshot
from handlers.ids import ActionId, BlockId
from handlers.views.blocks import Block, actions, button, context, divider, header, section
from handlers.views.home_rows import (
    HomeSection,
    decided_row,
    open_request_row,
    token_row,
    waiting_row,
)
from handlers.views.text import escape

PAGE = {
    HomeSection.TOKENS: 8,
    HomeSection.REQUESTS: 8,
    HomeSection.DECIDED: 5,
    HomeSection.WAITING: 8,
}
MAX_BLOCKS = 100
T = TypeVar("T")


def _page(
    kind: HomeSection,
    items: Sequence[T],
    row: Callable[[T, datetime], list[Block]],
    now: datetime,
    noun: str,
) -> list[Block]:
    blocks: list[Block] = []
    for item in items[: PAGE[kind]]:
        blocks += row(item, now)
    if len(items) > PAGE[kind]:
        more = button(f"Show all {len(items)}", ActionId.HOME_SHOW_ALL, str(kind))
        blocks.append(context(f"Showing the first {PAGE[kind]} of {len(items)} {noun}."))
        blocks.append(actions(BlockId.home_more(kind), [more]))
    return blocks


def home_view(home: HomeSnapshot, now: datetime) -> dict[str, Any]:
    intro = section(
        "Your IONOS registry tokens and requests. Passwords are never shown here: "
        "you see one once, in our DM, when you create its token."
    )
    ask = button("Request a token", ActionId.HOME_REQUEST, "request", style="primary")
    blocks: list[Block] = [intro, actions(BlockId.HOME_INTRO, [ask])]

    blocks += [divider(), header(f"Your tokens ({len(home.tokens)})")]
    if home.tokens_problem:
        problem = escape(home.tokens_problem)  # IONOS's words may be in it
        blocks.append(context(f":warning: Your tokens could not be read: {problem}"))
    elif not home.tokens:
        blocks.append(context("You have no tokens made through regbot."))
    blocks += _page(HomeSection.TOKENS, home.tokens, token_row, now, "tokens, soonest expiry first")
    if home.gone:
        blocks.append(context(f"{home.gone} of your tokens expired and are gone."))

    blocks += [divider(), header(f"Your requests ({len(home.open_requests)} open)")]
    if not home.open_requests:
        blocks.append(context("No open requests."))
    blocks += _page(
        HomeSection.REQUESTS, home.open_requests, open_request_row, now, "open requests"
    )
    if home.decided:
        blocks.append(context("*Recently decided*"))
        blocks += _page(HomeSection.DECIDED, home.decided, decided_row, now, "decided requests")

    if home.approver:
        blocks += [divider(), header(f"Waiting for your decision ({len(home.waiting)})")]
        if not home.waiting:
            blocks.append(context("Nothing is waiting for your decision."))
        blocks += _page(
            HomeSection.WAITING, home.waiting, waiting_row, now, "requests, oldest first"
        )
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}
