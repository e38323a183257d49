"""A Home section in full: the "Show all" modal, `PER_PAGE` items a page, with page buttons
(each page is a fresh read, so it is as current as the Home it came from)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.services.home import HomeSnapshot
from handlers.ids import ActionId, Callback
from handlers.views.blocks import Block, actions, button, context, modal
from handlers.views.home_rows import ROWS, HomeSection, token_row

PER_PAGE = 20  # two blocks an item at most: well within a modal's 100
TITLES = {
    HomeSection.TOKENS: "Your tokens",
    HomeSection.REQUESTS: "Your open requests",
    HomeSection.DECIDED: "Your decided requests",
    HomeSection.WAITING: "Waiting for you",
}


def _items(home: HomeSnapshot, kind: HomeSection) -> list[Any]:
    match kind:
        case HomeSection.TOKENS:
            return list(home.tokens)
        case HomeSection.REQUESTS:
            return list(home.open_requests)
        case HomeSection.DECIDED:
            return list(home.decided)
        case _:
            return list(home.waiting)


def page_count(total: int) -> int:
    return max(1, -(-total // PER_PAGE))


def home_list_modal(home: HomeSnapshot, kind: HomeSection, page: int, now: datetime) -> Block:
    items = _items(home, kind)
    pages = page_count(len(items))
    page = min(max(page, 1), pages)
    start = (page - 1) * PER_PAGE
    blocks: list[Block] = [
        context(f"{len(items)} in all · page {page} of {pages}"),
    ]
    for item in items[start : start + PER_PAGE]:
        blocks += token_row(item, now) if kind is HomeSection.TOKENS else ROWS[kind](item, now)
    if not items:
        blocks.append(context("Nothing here any more."))
    if page > 1:
        back = button("Previous page", ActionId.HOME_PAGE, f"{kind}:{page - 1}")
        blocks.append(actions("home_page_previous", [back]))
    if page < pages:
        forward = button("Next page", ActionId.HOME_PAGE, f"{kind}:{page + 1}", style="primary")
        blocks.append(actions("home_page_next", [forward]))
    return modal(
        Callback.HOME_LIST_MODAL, TITLES[kind], blocks, close="Close", private_metadata=str(kind)
    )


def parse_page(value: str) -> tuple[HomeSection, int]:
    """A page button's value ``<section>:<page>``; anything else is the first tokens page."""
    name, _, number = value.partition(":")
    try:
        return HomeSection(name), int(number)
    except ValueError:
        return HomeSection.TOKENS, 1
