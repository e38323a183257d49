"""The evidence an auditor asks for: per campaign and token, who decided what, when, and why.

`review_rows` reads the campaigns of one registry (or one campaign) from the review store; it
talks to nothing else, so ``regbot review report`` needs only Redis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from bot.domain.errors import InvalidInput
from bot.domain.reviews import ItemState
from bot.services.ports import ReviewRepository

NOT_REVIEWED = "not reviewed"


@dataclass(frozen=True)
class ReviewRow:
    campaign: str
    registry: str
    started_at: str
    started_by: str
    due_at: str
    token: str
    token_id: str
    owner: str
    decision: str  # keep | disable | delete | gone | not reviewed
    reviewer: str
    note: str
    decided_at: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


COLUMNS: Sequence[str] = tuple(ReviewRow.__dataclass_fields__)


async def review_rows(
    store: ReviewRepository, registry: str, campaign_id: str | None = None
) -> list[ReviewRow]:
    campaigns = await store.campaigns_of(registry)
    if campaign_id is not None:
        if campaign_id not in campaigns:
            raise InvalidInput(f"registry {registry} has no review campaign {campaign_id}")
        campaigns = [campaign_id]
    rows: list[ReviewRow] = []
    for found in campaigns:
        campaign = await store.get(found)
        if campaign is None:
            continue
        for item in await store.items(found):
            decided = item.state.decided or item.state is ItemState.GONE
            rows.append(
                ReviewRow(
                    campaign=campaign.id,
                    registry=campaign.registry_name,
                    started_at=campaign.started_at.isoformat(),
                    started_by=campaign.started_by,
                    due_at=campaign.due_at.isoformat(),
                    token=item.token_name,
                    token_id=item.token_id,
                    owner=item.owner or "",
                    decision=str(item.state) if decided else NOT_REVIEWED,
                    reviewer=item.reviewer if item.state.decided else "",
                    note=item.note,
                    decided_at=item.decided_at.isoformat() if item.decided_at and decided else "",
                )
            )
    return rows
