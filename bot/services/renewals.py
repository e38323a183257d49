"""Asking to extend or rotate an existing token: the same permission as the slash command
(its owner or an approver), then a request of kind EXTEND or ROTATE that goes through approval
like any other (`RequestService.announce` posts it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.clock import Clock
from bot.domain.errors import AlreadyDecided, InvalidForm, InvalidInput, NameTaken
from bot.domain.models import (
    REPOSITORY_RE,
    TOKEN_NAME_RE,
    Action,
    RepoScope,
    RequestKind,
    RequestState,
    TokenAsk,
    TokenRequest,
)
from bot.ionos.models import Token
from bot.policy.model import Policy
from bot.services.forms import check_expiry, default_expiry_date, pending_request
from bot.services.owner_notices import OwnerNotices
from bot.services.ports import LifecycleRepository, OwnerChange, RequestRepository, TokensApi
from bot.services.requests import RequestService
from bot.services.tokens import TokenService, TokenView

_ROTATED = re.compile(r"^(?P<base>[A-Za-z][-A-Za-z0-9]*?)-r(?P<n>\d+)$")
NAME_MAX = 63


@dataclass(frozen=True)
class ExtendTarget:
    """What the extend modal shows: the token, its expiry, and the policy's date limits."""

    registry_id: str
    registry_name: str
    token_id: str
    token_name: str
    expiry: datetime | None
    suggested: date
    latest: date
    max_days: int


def rotated_name(name: str, attempt: int = 0) -> str:
    """``ci-push`` -> ``ci-push-r2``; ``ci-push-r2`` -> ``ci-push-r3``; within 63 characters."""
    match = _ROTATED.match(name)
    base, number = (match["base"], int(match["n"])) if match else (name, 1)
    suffix = f"-r{number + 1 + attempt}"
    return base[: NAME_MAX - len(suffix)].rstrip("-") + suffix


def repo_scopes(token: Token) -> list[RepoScope]:
    """The token's scopes as the domain has them; `InvalidInput` when one cannot be copied."""
    scopes = []
    for scope in token.scopes:
        try:
            actions = frozenset(Action(a) for a in scope.actions)
        except ValueError:
            actions = frozenset()
        if scope.type != "repository" or not actions or not REPOSITORY_RE.match(scope.name):
            raise InvalidInput(
                f"Token `{token.name}` has a scope regbot cannot copy (`{scope.name}`): "
                "ask for a new token instead."
            )
        scopes.append(RepoScope(repository=scope.name, actions=actions))
    if not scopes:
        raise InvalidInput(f"Token `{token.name}` has no repository scopes: ask for a new token.")
    return scopes


class Renewals:
    def __init__(
        self,
        *,
        requests: RequestRepository,
        lifecycle: LifecycleRepository,
        flow: RequestService,
        tokens: TokenService,
        api: TokensApi,
        policy: Policy,
        clock: Clock,
        owners: OwnerNotices | None = None,
    ) -> None:
        self._owners = owners
        self._requests = requests
        self._lifecycle = lifecycle
        self._flow = flow
        self._tokens = tokens
        self._api = api
        self._policy = policy
        self._clock = clock

    # extend -----------------------------------------------------------------------------
    async def extend_target(self, actor: str, registry_ref: str, token_ref: str) -> ExtendTarget:
        view = await self._tokens.check(actor, registry_ref, token_ref, "extend")
        rules = self._policy.for_registry(view.registry.name)
        now = self._clock.now()
        return ExtendTarget(
            registry_id=view.registry.id,
            registry_name=view.registry.name,
            token_id=view.token.id,
            token_name=view.token.name,
            expiry=view.token.expiry_date,
            suggested=default_expiry_date(now, rules.default_expiry_days),
            latest=default_expiry_date(now, rules.max_expiry_days),
            max_days=rules.max_expiry_days,
        )

    def check_extension(self, registry_name: str, day: date | None) -> datetime:
        """The new expiry, within policy (>= 1 hour ahead, <= max days); no network call."""
        rules = self._policy.for_registry(registry_name)
        expiry, problem = check_expiry(day, self._clock.now(), rules.max_expiry_days)
        if expiry is None:
            raise InvalidForm({"expiry": problem})
        return expiry

    async def ask_extension(
        self,
        actor: str,
        registry_id: str,
        token_id: str,
        day: date | None,
        reason: str,
        *,
        nonce: str,
    ) -> TokenRequest:
        view = await self._tokens.check(actor, registry_id, token_id, "extend")
        expiry = self.check_extension(view.registry.name, day)
        words = reason.strip() or f"Extend `{view.token.name}`"
        request, _ = await self._create(
            RequestKind.EXTEND, actor, view, view.token.name, expiry, words, nonce=nonce
        )
        return request

    # rotate -----------------------------------------------------------------------------
    async def ask_rotation(
        self, actor: str, registry_ref: str, token_ref: str
    ) -> tuple[TokenRequest, bool]:
        """A rotation request (one per token at a time: asking again shows the open one)."""
        view = await self._tokens.check(actor, registry_ref, token_ref, "rotate")
        for attempt in range(20):
            name = rotated_name(view.token.name, attempt)
            if not TOKEN_NAME_RE.match(name):
                continue
            if await self._api.find_token(view.registry.id, name) is not None:
                continue
            try:
                request, created = await self._rotation(actor, view, name)
            except NameTaken:  # another open request holds the name: take the next one
                continue
            if created and self._owners is not None and view.owner is not None:
                note = f"Its successor `{name}` goes to them once approved."
                change = OwnerChange(
                    view.owner, actor, view.registry.name, view.token.name, "asked to rotate", note
                )
                await self._owners.tell(
                    change,
                    registry_id=view.registry.id,
                    token_id=view.token.id,
                    request_id=request.id,
                )
            return request, created
        raise InvalidInput(f"No free name for the successor of `{view.token.name}`.")

    async def _rotation(self, actor: str, view: TokenView, name: str) -> tuple[TokenRequest, bool]:
        rules = self._policy.for_registry(view.registry.name)
        expiry = self._clock.now() + rules.default_expiry
        reason = f"Rotate `{view.token.name}`: a new token `{name}` with the same scopes"
        nonce = f"rotate:{view.token.id}"
        finished = (RequestState.DENIED, RequestState.EXPIRED, RequestState.CANCELLED)
        for _ in range(2):
            request, created = await self._create(
                RequestKind.ROTATE, actor, view, name, expiry, reason, nonce=nonce
            )
            if created:
                return request, True
            if request.state in finished:  # the last one ended: free the nonce, ask again
                await self._lifecycle.forget_submission(nonce, request.id)
                continue
            if request.state is RequestState.COLLECTED:
                raise AlreadyDecided(
                    f"`{view.token.name}` was already rotated: its successor is "
                    f"`{request.ask.token_name}`."
                )
            return request, False
        raise AlreadyDecided("Another rotation of this token was asked for at the same moment.")

    # shared -----------------------------------------------------------------------------
    async def _create(
        self,
        kind: RequestKind,
        actor: str,
        view: TokenView,
        token_name: str,
        expiry: datetime,
        reason: str,
        *,
        nonce: str,
    ) -> tuple[TokenRequest, bool]:
        rules = self._policy.for_registry(view.registry.name)
        ask = TokenAsk(
            registry_id=view.registry.id,
            registry_name=view.registry.name,
            token_name=token_name,
            scopes=repo_scopes(view.token),
            expiry=expiry,
            reason=reason[:1000],
        )
        request = pending_request(
            actor,
            ask,
            rules,
            self._clock.now(),
            kind=kind,
            target_token_id=view.token.id,
            target_token_name=view.token.name,
        )
        stored, created = await self._requests.create(
            request,
            nonce=nonce,
            ttl=self._policy.request_ttl,
            max_open=rules.max_open_requests_per_user,
        )
        if created:
            await self._flow.announce(stored)
        return stored, created
