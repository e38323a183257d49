"""How the audience notifiers send when a plain ``chat.postMessage`` is not the whole story.

`quietly`: a message that tells people something after the change was made (an owner's DM, a
campaign's progress) must not turn a done decision into an error: its failure is logged and
swallowed, and the caller gets False.

`PacedPost`: the expiry sweep's messages (an owner's reminder, an unowned token, the digest).
Each is one chat.postMessage, paced per channel (`ChannelPacer`). Any failure — 429, 5xx, a
timeout, ``ok: false`` — answers False and the sweep leaves the message due for its next pass;
nothing here retries. Give it a client without slack_sdk's retry handlers (see
`bot.runtime.clients.slack_client`): a rate-limit retry there would sleep through Retry-After
inside the sweep, and a retried post after a lost answer would be a duplicate.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.reminders import OwnerUnreachable
from handlers.notifiers.pacing import ChannelPacer

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 30.0
# Slack errors that no retry will cure for a DM: the person cannot be reached any more.
UNREACHABLE = frozenset(
    {"user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot", "is_archived"}
)


async def quietly(what: str, call: Any, **kwargs: Any) -> bool:
    try:
        await call(**kwargs)
    except Exception as exc:  # noqa: BLE001 - the change is made; the message is a courtesy
        log.warning("slack message not sent", extra={"what": what, "error": repr(exc)})
        return False
    return True


class PacedPost:
    def __init__(self, client: AsyncWebClient, pacer: ChannelPacer) -> None:
        self._client = client
        self.pacer = pacer

    async def __call__(self, channel: str, body: dict[str, Any], person: str | None = None) -> bool:
        if not await self.pacer.wait(channel):
            return False
        try:
            await self._client.chat_postMessage(channel=channel, **body)
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error", "unknown"))
            if person is not None and error in UNREACHABLE:
                raise OwnerUnreachable(person, error) from None
            if status == 429:
                self.pacer.block(channel, _retry_after(exc.response.headers))
            log.warning(
                "reminder not taken by Slack; due again next sweep",
                extra={
                    "channel": channel,
                    "status": status,
                    "error": exc.response.get("error", "unknown"),
                },
            )
            return False
        except Exception as exc:  # noqa: BLE001 - timeouts, resets: not sent, due next sweep
            log.warning(
                "reminder not sent; due again next sweep",
                extra={"channel": channel, "error": type(exc).__name__},
            )
            return False
        return True


def _retry_after(headers: Any) -> float:
    try:
        return float(headers.get("Retry-After", DEFAULT_RETRY_AFTER))
    except (AttributeError, TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def sweep_post(paced: PacedPost | None) -> PacedPost:
    """The sweep's paced, no-retry post, which only the sweep's notifiers are given: a
    notifier built for the request flow (on the client that retries) refuses sweep messages."""
    if paced is None:
        raise RuntimeError("sweep messages need the sweep's paced, no-retry post (paced=)")
    return paced
