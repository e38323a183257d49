"""`SlackDriver` over Socket Mode: the commands, clicks, submissions and events of
`bot.devtools.slack_driver`, sent as envelopes through `bot.devtools.slack_socket`."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.devtools.slack_driver import SlackDriver, SlackReply
from bot.devtools.slack_socket import SocketModeSlack


class SocketDriver(SlackDriver):
    """`SlackDriver` over Socket Mode: the same commands, clicks, submissions and events, sent
    as envelopes down the WebSocket; the reply is the ack (its payload as JSON, if any)."""

    def __init__(
        self,
        fake: SocketModeSlack,
        *,
        ack_wait: float = 30.0,
        team_id: str = "T0001",
        hooks_url: str | None = None,
    ) -> None:
        """`hooks_url`: where ``response_url`` points (default: the served stand-in's)."""
        super().__init__(
            fake.url or "http://fake-slack",
            "",
            team_id=team_id,
            hooks_url=hooks_url or f"{fake.url}/hooks",
        )
        self.fake = fake
        self.ack_wait = ack_wait

    async def _send_command(self, form: dict[str, str]) -> SlackReply:
        return await self._envelope("slash_commands", dict(form))

    async def _send_payload(self, payload: dict[str, Any]) -> SlackReply:
        return await self._envelope("interactive", payload)

    async def _send_event(self, envelope: dict[str, Any]) -> SlackReply:
        return await self._envelope("events_api", envelope, accepts_response_payload=False)

    async def _envelope(
        self, type: str, payload: dict[str, Any], *, accepts_response_payload: bool = True
    ) -> SlackReply:
        envelope = await self.fake.send(
            type, payload, accepts_response_payload=accepts_response_payload
        )
        async with asyncio.timeout(self.ack_wait):
            answer = await asyncio.shield(envelope.acked)
        text = json.dumps(answer) if answer else ""
        return SlackReply(200, text, answer or None, {"X-Envelope-Id": envelope.envelope_id})
