"""Which self-service rule fits a request: the first one, in the policy's order, whose actions,
expiry, repositories and requesters (users, or members of user groups) all fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.clock import FakeClock
from bot.domain.models import Action, RepoScope, RequestKind, RequestState, TokenAsk, TokenRequest
from bot.policy.model import Policy
from bot.services.approvers import ApproverDirectory
from bot.services.selfservice import SelfService
from tests.test_approvers import RecordingUserGroups

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
POLICY = Policy.from_mapping(
    {
        "defaults": {
            "approvers": ["UALICE"],
            "approval_channel": "CAPPROVE",
            "auto_approve": [
                {"name": "devs-pulls", "actions": ["pull"], "max_days": 30,
                 "requesters": ["SDEVS", "UCAROL"]},
                {"name": "team-pulls", "actions": ["pull", "push"], "max_days": 7,
                 "repositories": ["team/*"]},
            ],
        }
    }
)  # fmt: skip


def request(
    user: str,
    *actions: Action,
    repo: str = "team/app",
    days: int = 5,
    kind: RequestKind = RequestKind.NEW,
) -> TokenRequest:
    ask = TokenAsk(
        registry_id="r1",
        registry_name="team-registry",
        token_name="ci",
        scopes=[RepoScope(repository=repo, actions=frozenset(actions))],
        expiry=NOW + timedelta(days=days),
        reason="CI",
    )
    return TokenRequest(
        id="q1", kind=kind, state=RequestState.PENDING, requester=user, ask=ask, created_at=NOW
    )


@pytest.fixture
def groups() -> RecordingUserGroups:
    return RecordingUserGroups({"SDEVS": {"UDEV"}})


@pytest.fixture
def service(groups: RecordingUserGroups) -> SelfService:
    directory = ApproverDirectory(POLICY, groups, FakeClock(NOW))
    return SelfService(store=None, approvers=directory, policy=POLICY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("asked", "rule"),
    [
        (request("UDEV", Action.PULL, repo="*", days=30), "devs-pulls"),  # a group member
        (request("UCAROL", Action.PULL, repo="*", days=30), "devs-pulls"),  # named
        (request("UOTHER", Action.PULL, repo="*", days=30), None),  # neither
        (request("UOTHER", Action.PULL, Action.PUSH), "team-pulls"),  # the second rule
        (request("UDEV", Action.PULL, Action.PUSH, days=8), None),  # too long for the second
        (request("UDEV", Action.DELETE), None),  # beyond every rule
        (request("UDEV", Action.PULL, repo="team*"), "devs-pulls"),  # first rule: any repo
        (request("UOTHER", Action.PULL, repo="team*"), None),  # team* is wider than team/*
        (request("UDEV", Action.PULL, kind=RequestKind.EXTEND), None),  # always a person
        (request("UDEV", Action.PULL, kind=RequestKind.ROTATE), None),
    ],
)
async def test_the_first_rule_that_fits(
    service: SelfService, asked: TokenRequest, rule: str | None
) -> None:
    found = await service.first_fit(asked)
    assert (found.name if found else None) == rule


async def test_group_membership_is_asked_only_when_needed(
    service: SelfService, groups: RecordingUserGroups
) -> None:
    await service.first_fit(request("UCAROL", Action.PULL))
    assert groups.asked == []  # named: no Slack call
    await service.first_fit(request("UOTHER", Action.DELETE))
    assert groups.asked == []  # no rule fits the scopes: nobody's membership matters
    await service.first_fit(request("UOTHER", Action.PULL))
    assert groups.asked == ["SDEVS"]
