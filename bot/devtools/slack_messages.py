"""The conversations part of the fake Slack: DMs, posted, ephemeral, updated and deleted messages.

`FakeSlack` (in `bot.devtools.slack`) owns one `FakeMessages` and routes ``conversations.open``
and ``chat.*`` to it. As in Slack: posting to a user id lands in the DM with that user, ``ts``
values are unique and increasing, and ``chat.update`` / ``chat.delete`` only find messages that
were posted (not ephemeral ones) in that channel (``message_not_found``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bot.domain.clock import Clock

MAX_BLOCKS = 50


class SlackApiFailure(Exception):
    """Raised by a fake method handler; answered as ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


class FakeMessages:
    def __init__(self, *, team_id: str, bot_user_id: str, bot_id: str, clock: Clock) -> None:
        self._team_id = team_id
        self._bot_user_id = bot_user_id
        self._bot_id = bot_id
        self._clock = clock
        self._messages: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self._ephemeral: set[tuple[str, str]] = set()
        self._open_dms: set[str] = set()
        self._last_ts_us = 0

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        return [dict(m) for _, m in sorted(self._messages[channel].items(), key=_ts_key)]

    def conversations_open(self, payload: dict[str, Any]) -> dict[str, Any]:
        if channel := payload.get("channel"):
            return {"ok": True, "channel": {"id": channel}}
        users = payload.get("users")
        members = users if isinstance(users, list) else str(users or "").split(",")
        members = [m.strip() for m in members if m.strip()]
        if not members:
            raise SlackApiFailure("users_list_not_supplied")
        channel_id = dm_channel(members[0]) if len(members) == 1 else "G" + "".join(members)
        answer: dict[str, Any] = {"ok": True, "channel": {"id": channel_id}}
        if channel_id in self._open_dms:
            answer |= {"no_op": True, "already_open": True}
        self._open_dms.add(channel_id)
        return answer

    def post_message(self, payload: dict[str, Any]) -> dict[str, Any]:
        channel = _channel_of(payload)
        message = self._new_message(payload, self._next_ts())
        if thread_ts := payload.get("thread_ts"):
            message["thread_ts"] = thread_ts
        self._messages[channel][message["ts"]] = message
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": dict(message)}

    def post_ephemeral(self, payload: dict[str, Any]) -> dict[str, Any]:
        channel = _channel_of(payload)
        if not payload.get("user"):
            raise SlackApiFailure("user_not_found")
        message = self._new_message(payload, self._next_ts())
        self._ephemeral.add((channel, message["ts"]))
        return {"ok": True, "message_ts": message["ts"]}

    def update(self, payload: dict[str, Any]) -> dict[str, Any]:
        channel, ts = _channel_of(payload), str(payload.get("ts", ""))
        message = self._messages[channel].get(ts)
        if message is None:  # also the answer for ephemeral messages: they can't be edited
            raise SlackApiFailure("message_not_found")
        changed = self._new_message(payload, ts, require_content=False)
        for key in (k for k in ("text", "blocks", "attachments") if k in payload):
            if key in changed:
                message[key] = changed[key]
            else:
                message.pop(key, None)
        message["edited"] = {"user": self._bot_user_id, "ts": self._next_ts()}
        text = message.get("text", "")
        return {"ok": True, "channel": channel, "ts": ts, "text": text, "message": dict(message)}

    def delete(self, payload: dict[str, Any]) -> dict[str, Any]:
        channel, ts = _channel_of(payload), str(payload.get("ts", ""))
        if self._messages[channel].pop(ts, None) is None:
            raise SlackApiFailure("message_not_found")
        return {"ok": True, "channel": channel, "ts": ts}

    def _new_message(
        self, payload: dict[str, Any], ts: str, *, require_content: bool = True
    ) -> dict[str, Any]:
        blocks = payload.get("blocks") or []
        if require_content and not (payload.get("text") or blocks or payload.get("attachments")):
            raise SlackApiFailure("no_text")
        if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
            raise SlackApiFailure("invalid_blocks")
        message: dict[str, Any] = {
            "type": "message",
            "user": self._bot_user_id,
            "bot_id": self._bot_id,
            "team": self._team_id,
            "ts": ts,
            "text": payload.get("text", ""),
            "blocks": blocks,
        }
        if attachments := payload.get("attachments"):
            message["attachments"] = attachments
        return message

    def _next_ts(self) -> str:
        """A Slack-style ``seconds.micros`` timestamp, unique and increasing."""
        now_us = int(self._clock.now().timestamp() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"


def dm_channel(user_id: str) -> str:
    """The fake's DM channel with `user_id`: ``"D" + user_id``, stable for the fake's life."""
    return "D" + user_id


def _channel_of(payload: dict[str, Any]) -> str:
    channel = str(payload.get("channel") or "")
    if not channel:
        raise SlackApiFailure("channel_not_found")
    # Posting to a user id delivers into the bot's DM with that user.
    return dm_channel(channel) if channel[0] in "UW" else channel


def _ts_key(item: tuple[str, dict[str, Any]]) -> tuple[int, int]:
    seconds, _, micros = item[0].partition(".")
    return int(seconds), int(micros or 0)
