"""Two checks of an approver's review that refuse what would otherwise be shown wrongly:

- a narrowing made from an older version of the request (another approver narrowed it since
  the modal opened, or while this approval waited on Slack) — `ChangedMeanwhile`, with the
  request as it is now, so the approver decides on what it asks now;
- a scope change on an extension, which only PATCHes the expiry (the modal does not offer it;
  a crafted submission is refused rather than reported as applied).

Both refusals are audited.
"""

from __future__ import annotations

from bot.domain.audit import Refusal
from bot.domain.clock import Clock
from bot.domain.errors import ChangedMeanwhile, InvalidForm
from bot.domain.models import RequestKind, TokenRequest
from bot.services.forms import ReviewForm
from bot.services.ports import RequestRepository
from bot.services.words import changed_meanwhile as changed_words


async def changed_meanwhile(
    requests: RequestRepository, clock: Clock, current: TokenRequest, actor: str, detail: str
) -> ChangedMeanwhile:
    """Audit the refusal; the error to raise, carrying the request as it is now."""
    await requests.audit_refusal(
        current.id,
        actor=actor,
        at=clock.now(),
        refusal=Refusal.STALE_VIEW,
        detail=f"{detail}; the request is at version {current.version}",
    )
    return ChangedMeanwhile(changed_words(current, clock.now()), current)


async def scopes_stay_for_extension(
    requests: RequestRepository,
    clock: Clock,
    request: TokenRequest,
    actor: str,
    review: ReviewForm,
) -> None:
    """Refuse (and audit) a review of an extension that changes a scope."""
    if request.kind is not RequestKind.EXTEND or not review.scope_actions:
        return
    asked = [sorted(a.value for a in s.actions) for s in request.ask.scopes]
    if [sorted(raw) for raw in review.scope_actions] == asked:
        return
    await requests.audit_refusal(
        request.id,
        actor=actor,
        at=clock.now(),
        refusal=Refusal.EXTENSION_SCOPES,
        detail="an extension only sets the expiry; its scopes cannot be narrowed",
    )
    raise InvalidForm(
        {
            "scope_actions_0": "An extension only sets a new expiry; it cannot change the "
            "token's scopes. Approve the expiry, or deny and ask for a rotation instead."
        }
    )
