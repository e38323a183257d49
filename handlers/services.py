"""What every listener shares: the services it calls and how it replies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import Clock
from bot.domain.models import RequestState, TokenRequest
from bot.policy.model import Policy
from bot.services.breakglass import BreakGlassService
from bot.services.catalog import RegistryCatalog
from bot.services.delivery import DeliveryService
from bot.services.extension import ExtensionApplier
from bot.services.home import HomeService
from bot.services.housekeeping import HousekeepingService
from bot.services.owners import OwnerService
from bot.services.ports import OwnershipRepository
from bot.services.renewals import Renewals
from bot.services.requests import RequestService
from bot.services.review_decisions import ReviewDecisions
from bot.services.review_schedule import ReviewHousekeeping
from bot.services.reviews import ReviewService
from bot.services.rotation import RotationService
from bot.services.tokens import TokenService
from bot.services.withdrawal import WithdrawalService
from handlers.reporting import Reply


class DecisionCounter(Protocol):
    def count_decision(self, outcome: str) -> None: ...


class NotCounted:
    """The `DecisionCounter` when no metrics are wired."""

    def count_decision(self, outcome: str) -> None:
        pass


def decision_outcome(request: TokenRequest) -> str:
    """The metrics label of an applied decision: approved, approval_recorded or denied."""
    if request.state is RequestState.PENDING:
        return "approval_recorded"  # quorum not reached yet
    return "denied" if request.state is RequestState.DENIED else "approved"


@dataclass(frozen=True)
class LifecycleServices:
    """Extend, rotate, and the housekeeping the scheduler runs."""

    asks: Renewals
    extension: ExtensionApplier
    rotation: RotationService
    housekeeping: HousekeepingService


class HomeUpdates(Protocol):
    """Republishing Home tabs in the background (`handlers.notifiers.home.HomePublisher`)."""

    def refresh(self, *users: str, registries: Iterable[str] = ()) -> None: ...
    def opened(self, user: str) -> None: ...
    async def idle(self) -> None: ...
    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class HomeServices:
    """The Home tab: what it shows, and who gets theirs republished."""

    view: HomeService
    updates: HomeUpdates


@dataclass(frozen=True)
class ReviewServices:
    """Access review campaigns, their housekeeping, and token owners."""

    campaigns: ReviewService
    decisions: ReviewDecisions
    housekeeping: ReviewHousekeeping
    owners: OwnerService


@dataclass(frozen=True)
class Services:
    requests: RequestService
    delivery: DeliveryService
    tokens: TokenService
    catalog: RegistryCatalog
    ownership: OwnershipRepository
    policy: Policy
    clock: Clock
    lifecycle: LifecycleServices
    home: HomeServices
    withdrawals: WithdrawalService
    reviews: ReviewServices
    command: str = "/regtoken"
    # handlers count decisions after the service call: decisions.count_decision(...)
    decisions: DecisionCounter = field(default_factory=NotCounted)
    breakglass: BreakGlassService | None = None  # /regtoken breakglass and its review


def ephemeral(respond: AsyncRespond) -> Reply:
    """Reply to a command or a click with a message only the clicker sees."""

    async def reply(body: dict[str, Any]) -> object:
        return await respond(response_type="ephemeral", replace_original=False, **body)

    return reply


def to_clicker(body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient) -> Reply:
    """Reply to a click where the clicker is: ephemeral under the message clicked, or — for a
    click on the Home tab or in a modal, which has no response_url — in their DM."""
    if respond is not None and body.get("response_url"):
        return ephemeral(respond)
    return direct(client, str(body["user"]["id"]))


def direct(client: AsyncWebClient, user_id: str) -> Reply:
    """Reply in the person's DM with the bot (for modal submissions, which have no
    response_url)."""

    async def reply(body: dict[str, Any]) -> object:
        return await client.chat_postMessage(channel=user_id, **body)

    return reply
