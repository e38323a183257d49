"""Withdrawing a request: its requester cancels it while it is pending, or approved and not
yet collected.

The state change is one transition of the request store (``lua/request_cancel.lua``): it
checks the actor is the requester and the state, moves the request to ``cancelled`` and audits
it in one atomic step, so a cancel racing an approval (or a collect, or the expiry sweep) ends
in exactly one outcome. A refusal (someone else's request, one already decided) is audited by
the same script and comes back here in words. The approval-channel message then shows it was
withdrawn, without buttons.
"""

from __future__ import annotations

import logging
import re
import uuid

from bot.domain.audit import Refusal
from bot.domain.clock import Clock
from bot.domain.errors import AlreadyDecided, InvalidInput, NotAllowed, UnknownRequest
from bot.domain.models import RequestKind, RequestState, TokenRequest
from bot.services.ports import Notifier, Withdrawals
from bot.services.words import describe_state

log = logging.getLogger(__name__)

OPEN = (RequestState.PENDING, RequestState.APPROVED)
_NAME = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_.]{0,99}$")  # token, registry names; request ids
HISTORY = 200  # a requester's newest requests searched for a name (the store keeps 200)


def request_name(request: TokenRequest) -> str:
    """How the requester's DM names a request: the token it is about."""
    if request.kind is RequestKind.EXTEND:
        return request.target_token_name or request.ask.token_name
    return request.ask.token_name


def _what(request: TokenRequest) -> str:
    kind = "" if request.kind is RequestKind.NEW else f"{request.kind} "
    return f"{kind}request for {request_name(request)} on {request.ask.registry_name}"


class WithdrawalService:
    def __init__(self, *, requests: Withdrawals, notifier: Notifier, clock: Clock) -> None:
        self._requests = requests
        self._notifier = notifier
        self._clock = clock

    async def cancel(self, request_id: str, actor: str) -> TokenRequest:
        """Withdraw `request_id` for `actor`; raises a `RegbotError` in words when refused."""
        request = await self._requests.get(request_id)
        if request is None:
            raise UnknownRequest("That request no longer exists (it may have expired).")
        result = await self._requests.cancel(
            request_id,
            actor=actor,
            at=self._clock.now(),
            detail=f"withdrawn by the requester: {_what(request)}",
            op_id=uuid.uuid4().hex,
        )
        if result.request is None:
            raise UnknownRequest("That request no longer exists (it may have expired).")
        if not result.applied:
            raise _refusal(result.refusal, result.request)
        try:
            await self._notifier.update_approval_message(result.request)
        except Exception:  # noqa: BLE001 - withdrawn and audited; the message is cosmetic
            log.warning("approval message not updated", extra={"request_id": request_id})
        return result.request

    async def cancel_named(self, actor: str, words: list[str]) -> TokenRequest:
        """``/regtoken cancel <request>`` or ``cancel <registry> <request>``: the request named
        as its DM names it (the token it is about), or by its id."""
        if not words or len(words) > 2:
            raise InvalidInput("Say which request: `cancel <token name>`.")
        *registry, name = words
        if not _NAME.match(name) or (registry and not _NAME.match(registry[0])):
            # not echoed: what the person typed is not a name regbot could have given
            raise InvalidInput(
                "Name the request by its token's name (letters, digits and dashes), as its DM "
                "does: `cancel <token name>` or `cancel <registry> <token name>`."
            )
        mine = await self._requests.of_requester(actor, limit=HISTORY)
        named = [
            r
            for r in mine
            if name in (r.id, request_name(r), r.ask.token_name)
            and (not registry or registry[0] in (r.ask.registry_name, r.ask.registry_id))
        ]
        still_open = [r for r in named if r.state in OPEN]
        if len(still_open) == 1:
            return await self.cancel(still_open[0].id, actor)
        if len(still_open) > 1:
            where = ", ".join(sorted({r.ask.registry_name for r in still_open}))
            raise InvalidInput(
                f"Several of your open requests are named `{name}` (on {where}). "
                f"Say which: `cancel <registry> {name}`."
            )
        if named:  # only finished ones: say what became of the newest
            raise AlreadyDecided(describe_state(named[0]))
        if not registry:  # maybe an id of someone else's request: the store refuses, audited
            other = await self._requests.get(name)
            if other is not None:
                return await self.cancel(other.id, actor)
        raise UnknownRequest(
            f"You have no pending or approved request named `{name}`. "
            "Your requests are listed on regbot's Home tab."
        )


def _refusal(refusal: Refusal | None, request: TokenRequest) -> Exception:
    if refusal is Refusal.NOT_REQUESTER:
        return NotAllowed("Only the person who asked for this request can withdraw it.")
    if refusal is Refusal.IN_PROGRESS:
        return AlreadyDecided(
            "The token is being created right now, so the request can no longer be withdrawn. "
            "Delete the token once you have it if you do not need it."
        )
    return AlreadyDecided(describe_state(request))
