"""A bot's sweep wired to real Redis and the two stand-ins over HTTP, on a `FakeClock`.

`World` is what the reminder tests drive: seed tokens into the IONOS stand-in (built with the
same clock), record owners, run sweeps, read what the Slack stand-in received.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.devtools.ionos import FakeIonos, FakeRegistry, FakeToken, serve_fake_ionos
from bot.devtools.slack import FakeSlack, serve_fake_slack
from bot.domain.clock import FakeClock
from bot.policy.model import Policy
from bot.runtime.settings import Settings
from bot.runtime.wiring import Bot, assemble
from bot.services.reminders import SweepReport
from bot.store.ownership import OwnershipStore, TokenOwnership
from handlers.ids import BlockId
from tests.ionos.contract import contract_checked
from tests.scenario.harness import SIGNING_SECRET
from tests.slack_fixtures import BOT_TOKEN

T0 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # before the digest hour (08:00 UTC)
SCOPES = [{"name": "team/app", "type": "repository", "actions": ["pull", "push"]}]


def settings_for(slack_url: str, ionos_url: str, redis_url: str, namespace: str) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_url,
        ionos_token="fake-token",
        ionos_api_url=ionos_url,
        redis_url=redis_url,
        regbot_namespace=namespace,
    )


@dataclass
class World:
    clock: FakeClock
    ionos: FakeIonos
    slack: FakeSlack
    bot: Bot
    settings: Settings
    policy: Policy
    registries: dict[str, FakeRegistry] = field(default_factory=dict)

    def registry(self, name: str) -> FakeRegistry:
        if name not in self.registries:
            self.registries[name] = self.ionos.add_registry(name)
        return self.registries[name]

    async def token(
        self,
        name: str,
        *,
        registry: str = "team-registry",
        expiry: datetime | None = None,
        owner: str | None = None,
        status: str = "enabled",
    ) -> FakeToken:
        reg = self.registry(registry)
        token = self.ionos.add_token(reg.id, name, expiry=expiry, scopes=SCOPES, status=status)
        if owner is not None:
            await OwnershipStore(self.bot.redis, self.bot.keys).record(
                TokenOwnership(
                    token_id=token.id,
                    owner=owner,
                    registry_id=reg.id,
                    registry_name=reg.name,
                    token_name=name,
                    request_id=f"r-{name}",
                    created_at=self.clock.now(),
                )
            )
        return token

    async def sweep(self) -> SweepReport:
        return await self.bot.reminders.sweep(self.clock.now())

    # what Slack received ------------------------------------------------------------------
    def reminders_in(self, channel: str) -> list[dict[str, Any]]:
        """Reminder messages now in `channel` (a DM is ``D<user>``), oldest first."""
        return [
            m for m in self.slack.messages_in(channel) if _has_block(m, BlockId.REMINDER_ACTIONS)
        ]

    def reminders_about(self, channel: str, token: FakeToken) -> list[dict[str, Any]]:
        return [m for m in self.reminders_in(channel) if token.id in json.dumps(m)]

    def digests_in(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.slack.messages_in(channel) if "digest" in m.get("text", "")]


def _has_block(message: dict[str, Any], block_id: str) -> bool:
    return any(b.get("block_id") == block_id for b in message.get("blocks") or [])


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """action_id -> value of every button in the message (actions blocks and accessories)."""
    found: dict[str, str] = {}
    for block in message.get("blocks") or []:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found[element["action_id"]] = element["value"]
    return found


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


@contextlib.asynccontextmanager
async def world_of(
    redis_url: str,
    slack: FakeSlack,
    policy: Policy,
    *,
    clock: FakeClock | None = None,
    ionos: FakeIonos | None = None,
    contract: bool = True,
    namespace: str | None = None,
) -> AsyncIterator[World]:
    clock = clock or FakeClock(T0)
    ionos = ionos or FakeIonos(clock=clock)
    namespace = namespace or f"r-{uuid.uuid4().hex[:12]}"
    serve = contract_checked(ionos) if contract else serve_fake_ionos(ionos)
    async with serve as ionos_url, serve_fake_slack(slack) as slack_url:
        settings = settings_for(slack_url, ionos_url, redis_url, namespace)
        async with assemble(settings, policy, clock=clock) as bot:
            yield World(clock, ionos, slack, bot, settings, policy)


@contextlib.asynccontextmanager
async def replica(world: World) -> AsyncIterator[Bot]:
    """A second bot on the same Redis, namespace and stand-ins: another replica."""
    async with assemble(world.settings, world.policy, clock=world.clock) as bot:
        yield bot
