"""What a person's Home tab shows: their tokens, their requests, and the requests waiting for
their decision — only what is theirs, read fresh each time it is built.

Nothing secret is in it: tokens come from IONOS without passwords (a token's password exists
only in its create response), requests are what was asked. Which requests an approver may
decide follows the same rules as the channel's buttons (an approver of the registry, never
their own request); the buttons themselves check again when clicked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.domain.errors import RegbotError
from bot.domain.models import RequestState, TokenRequest
from bot.ionos.errors import IonosError
from bot.policy.model import Policy
from bot.services.approvers import ApproverDirectory
from bot.services.ports import HomeRequests, Viewers
from bot.services.tokens import TokenService, TokenView

HISTORY = 200  # a requester's newest requests read (the store keeps 200 per person)
_NEVER = datetime.max.replace(tzinfo=UTC)
_UNLISTED = "*"  # stands for any registry the policy does not list: the defaults govern it


@dataclass(frozen=True)
class HomeSnapshot:
    user: str
    tokens: list[TokenView] = field(default_factory=list)
    tokens_problem: str = ""  # IONOS could not be read: said in words, the rest still shown
    gone: int = 0  # owned tokens IONOS no longer has
    open_requests: list[TokenRequest] = field(default_factory=list)  # newest first
    decided: list[TokenRequest] = field(default_factory=list)  # newest first
    waiting: list[TokenRequest] = field(default_factory=list)  # oldest first
    approver: bool = False  # decides on some registry: the section shows even when empty


class HomeService:
    def __init__(
        self,
        *,
        requests: HomeRequests,
        tokens: TokenService,
        approvers: ApproverDirectory,
        policy: Policy,
        viewers: Viewers,
    ) -> None:
        self._requests = requests
        self._tokens = tokens
        self._approvers = approvers
        self._policy = policy
        self._viewers = viewers

    async def opened(self, user_id: str, at: datetime) -> None:
        await self._viewers.remember(user_id, at)

    async def viewers_among(self, user_ids: Iterable[str]) -> set[str]:
        return await self._viewers.opened(user_ids)

    async def approvers_of(self, registry_name: str) -> frozenset[str]:
        try:
            return await self._approvers.approvers_of(registry_name)
        except RegbotError:
            return frozenset()

    async def snapshot(self, user_id: str) -> HomeSnapshot:
        tokens: list[TokenView] = []
        problem, gone = "", 0
        try:
            listing = await self._tokens.list_tokens(user_id)
            tokens = sorted(
                listing.tokens, key=lambda v: (v.token.expiry_date or _NEVER, v.token.name)
            )
            gone = listing.gone
        except (RegbotError, IonosError) as exc:
            problem = getattr(exc, "user_message", "") or "The IONOS API failed."
        mine = await self._requests.of_requester(user_id, limit=HISTORY)
        waiting = await self._waiting_for(user_id)
        return HomeSnapshot(
            user=user_id,
            tokens=tokens,
            tokens_problem=problem,
            gone=gone,
            open_requests=[r for r in mine if not r.state.is_final],
            decided=[r for r in mine if r.state.is_final],
            waiting=waiting,
            approver=bool(waiting) or await self._approves_something(user_id),
        )

    async def _waiting_for(self, user_id: str) -> list[TokenRequest]:
        waiting = []
        for request in await self._requests.pending():
            if request.requester == user_id or request.state is not RequestState.PENDING:
                continue
            if await self._approvers.is_approver(user_id, request.ask.registry_name):
                waiting.append(request)
        return waiting

    async def _approves_something(self, user_id: str) -> bool:
        names = [*self._policy.registries, _UNLISTED]
        return bool(await self._approvers.registries_of(user_id, names))
