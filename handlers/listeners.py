"""What every listener shares: the services it calls and how it replies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.policy import Policy
from bot.services.catalog import RegistryCatalog
from bot.services.delivery import DeliveryService
from bot.services.ports import OwnershipRepository
from bot.services.requests import RequestService
from bot.services.tokens import TokenService
from handlers.reporting import Reply


@dataclass(frozen=True)
class Services:
    requests: RequestService
    delivery: DeliveryService
    tokens: TokenService
    catalog: RegistryCatalog
    ownership: OwnershipRepository
    policy: Policy
    clock: Clock
    command: str = "/regtoken"


def ephemeral(respond: AsyncRespond) -> Reply:
    """Reply to a command or a click with a message only the clicker sees."""

    async def reply(body: dict[str, Any]) -> object:
        return await respond(response_type="ephemeral", replace_original=False, **body)

    return reply


def direct(client: AsyncWebClient, user_id: str) -> Reply:
    """Reply in the person's DM with the bot (for modal submissions, which have no
    response_url)."""

    async def reply(body: dict[str, Any]) -> object:
        return await client.chat_postMessage(channel=user_id, **body)

    return reply
