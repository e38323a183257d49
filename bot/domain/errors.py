"""Domain errors: what a person did that the rules do not allow, in words fit to show them.

RegbotError                 base; ``user_message`` is what the person is told
├── NotAllowed              the caller may not do this (not an approver, not the owner)
│   ├── NotAnApprover
│   └── SelfApproval
├── AlreadyDecided          the request is past the step asked for ("already approved by …")
├── UnknownRequest          no such request (or it expired and was cleaned up)
├── UnknownRegistry / UnknownToken
├── InvalidInput            a wrong argument or field value
│   ├── WiderThanRequested  a "narrowing" that widens the request
│   ├── NameTaken           the token name is held by another open request or a token
│   └── TooManyOpen         the requester has max_open_requests_per_user waiting already
├── ChangedMeanwhile        another approver narrowed the request since this one read it
└── ServiceUnavailable      Redis or the IONOS API is away; try again
    ├── StoreUnavailable    Redis (regbot's database) failed; nothing was changed
    ├── CouldNotVerify      Slack could not say whether someone approves (refused, audited)
    └── NotReplicated       a change was not confirmed by Redis replicas in time; try again
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.domain.models import TokenRequest


class RegbotError(Exception):
    """``user_message`` is plain words; any user text in it is shown escaped. ``people`` are
    the user ids regbot itself mentions in it ("already approved by <@U…>"): only their
    mentions stay live when it is rendered."""

    def __init__(self, user_message: str, *, people: tuple[str, ...] = ()) -> None:
        self.user_message = user_message
        self.people = people
        super().__init__(user_message)


class NotAllowed(RegbotError):
    pass


class NotAnApprover(NotAllowed):
    pass


class SelfApproval(NotAllowed):
    pass


class AlreadyDecided(RegbotError):
    pass


class UnknownRequest(RegbotError):
    pass


class UnknownRegistry(RegbotError):
    pass


class UnknownToken(RegbotError):
    pass


class InvalidInput(RegbotError):
    def __init__(self, user_message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(user_message)


class WiderThanRequested(InvalidInput):
    pass


class NameTaken(InvalidInput):
    pass


class TooManyOpen(InvalidInput):
    pass


class ChangedMeanwhile(AlreadyDecided):
    """The request's ask changed (another approver narrowed it) since this approver read it;
    `request` is the request as it is now, to show them."""

    def __init__(self, user_message: str, request: TokenRequest) -> None:
        self.request = request
        super().__init__(user_message)


class ServiceUnavailable(RegbotError):
    pass


STORE_DOWN = (
    "regbot's database is unreachable right now, so nothing was changed. "
    "Please try again in a minute."
)


class StoreUnavailable(ServiceUnavailable):
    """Raised by the stores for any Redis failure (`bot.store.errors`)."""

    def __init__(self, user_message: str = STORE_DOWN) -> None:
        super().__init__(user_message)


class NotReplicated(ServiceUnavailable):
    """The write reached the Redis master but not `REDIS_MIN_REPLICAS_ACK` replicas in time:
    a failover now could lose it, so the person is not told it happened (and tries again)."""


class InvalidForm(RegbotError):
    """Several fields of a form are wrong: ``errors`` maps field name to the words to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class CouldNotVerify(ServiceUnavailable):
    """Whether the actor approves could not be checked (a Slack user-group lookup failed):
    the action is refused — and audited as such — rather than guessed."""

    def __init__(self, registry_name: str, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"I could not check with Slack whether you approve `{registry_name}`, so nothing "
            "was done. Please try again in a minute."
        )
