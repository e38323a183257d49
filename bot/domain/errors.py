"""Domain errors: what a person did that the rules do not allow, in words fit to show them.

RegbotError                 base; ``user_message`` is what the person is told
├── NotAllowed              the caller may not do this (not an approver, not the owner)
│   ├── NotAnApprover
│   └── SelfApproval
├── AlreadyDecided          the request is past the step asked for ("already approved by …")
├── UnknownRequest          no such request (or it expired and was cleaned up)
├── UnknownRegistry / UnknownToken
├── InvalidInput            a wrong argument or field value
├── WiderThanRequested      a "narrowing" that widens the request
└── ServiceUnavailable      Redis or the IONOS API is away; try again
    └── NotReplicated       a change was not confirmed by Redis replicas in time; try again
"""

from __future__ import annotations


class RegbotError(Exception):
    def __init__(self, user_message: str) -> None:
        self.user_message = user_message
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


class ServiceUnavailable(RegbotError):
    pass


class NotReplicated(ServiceUnavailable):
    """The write reached the Redis master but not `REDIS_MIN_REPLICAS_ACK` replicas in time:
    a failover now could lose it, so the person is not told it happened (and tries again)."""


class InvalidForm(RegbotError):
    """Several fields of a form are wrong: ``errors`` maps field name to the words to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
