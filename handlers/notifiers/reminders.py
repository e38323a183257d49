"""The Slack side of `ReminderNotifier`: the owner's DM, the channel report, the digest.

Each message is one chat.postMessage, paced per channel (`ChannelPacer`). Any failure — 429,
5xx, a timeout, ``ok: false`` — answers False and the sweep leaves the message due for its next
pass; nothing here retries. Give it a client without slack_sdk's retry handlers (see
`bot.runtime.clients.slack_client`): a rate-limit retry there would sleep through Retry-After inside
the sweep, and a retried post after a lost answer would be a duplicate.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock
from bot.domain.reminders import Digest, OwnerUnreachable, Reminder
from handlers.notifiers.pacing import ChannelPacer
from handlers.views.reminders import digest_message, reminder_message, unowned_message

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 30.0
# Slack errors that no retry will cure for a DM: the person cannot be reached any more.
UNREACHABLE = frozenset(
    {"user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot", "is_archived"}
)


class SlackReminderNotifier:
    def __init__(
        self, client: AsyncWebClient, clock: Clock, *, pacer: ChannelPacer | None = None
    ) -> None:
        self._client = client
        self._clock = clock
        self.pacer = pacer or ChannelPacer(clock)

    async def remind_owner(self, reminder: Reminder) -> bool:
        if reminder.owner is None:
            raise ValueError("remind_owner needs a reminder with an owner")
        # Posting to a user id lands in the bot's DM with them (no conversations.open needed).
        return await self._post(
            reminder.owner, reminder_message(reminder, self._clock.now()), person=reminder.owner
        )

    async def report_unowned(self, channel: str, reminder: Reminder) -> bool:
        return await self._post(channel, unowned_message(reminder, self._clock.now()))

    async def post_digest(self, digest: Digest) -> bool:
        return await self._post(digest.channel, digest_message(digest, self._clock.now()))

    async def _post(self, channel: str, body: dict[str, Any], person: str | None = None) -> bool:
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
