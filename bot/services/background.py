"""Store steps that must happen even when Redis blinked: run in the background until Redis
takes them, with a doubling backoff, bounded. Only idempotent steps (a transition with a fixed
op id), holding ids only — never a secret."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.domain.models import TokenRequest

log = logging.getLogger(__name__)


class KeepTrying:
    def __init__(self, sleep: Callable[[float], Awaitable[None]], *, attempts: int) -> None:
        self._sleep = sleep
        self._attempts = attempts
        self._tasks: set[asyncio.Future[None]] = set()

    def run(
        self,
        step: Callable[[], Awaitable[object]],
        *,
        done: str,
        gave_up: str,
        request: TokenRequest,
        token_id: str = "",
    ) -> None:
        """Try `step` after 0.25 s, then doubling up to 5 s between tries; log `done` when it
        went through, `gave_up` (an error) after the last try."""

        async def keep_trying() -> None:
            delay = 0.25
            for _ in range(self._attempts):
                await self._sleep(delay)
                delay = min(delay * 2, 5.0)
                try:
                    await step()
                except Exception:  # noqa: BLE001, S112 - still away: try again later
                    continue
                log.info(done, extra={"request_id": request.id})
                return
            log.error(gave_up, extra={"request_id": request.id, "token_id": token_id})

        task = asyncio.ensure_future(keep_trying())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
