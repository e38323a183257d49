"""Who may decide: explicit approver ids, user-group members, and the brief membership cache."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.clock import FakeClock
from bot.domain.errors import CouldNotVerify, UnknownRegistry
from bot.policy.model import Policy
from bot.services.approvers import ApproverDirectory


class SlackUnavailable(Exception):
    pass


class RecordingUserGroups:
    """A stand-in for Slack's usergroups.users.list that records every group it was asked."""

    def __init__(self, groups: dict[str, set[str]]) -> None:
        self.groups = groups
        self.asked: list[str] = []
        self.failing = False

    async def members(self, group_id: str) -> frozenset[str]:
        self.asked.append(group_id)
        if self.failing:
            raise SlackUnavailable(group_id)
        return frozenset(self.groups.get(group_id, set()))


POLICY = Policy.from_mapping(
    {
        "defaults": {"approvers": ["UALICE", "SOPS"], "approval_channel": "CAPPROVE"},
        "registries": {
            "prod-registry": {"approvers": ["SPROD"]},
            "team-a-registry": {"approvers": ["WBOB"]},
        },
        "usergroup_cache_seconds": 60,
    }
)


@pytest.fixture
def groups() -> RecordingUserGroups:
    return RecordingUserGroups({"SOPS": {"UCAROL", "UDAVE"}, "SPROD": {"UDAVE"}})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def directory(groups: RecordingUserGroups, clock: FakeClock) -> ApproverDirectory:
    return ApproverDirectory(POLICY, groups, clock)


async def test_an_explicit_approver_is_known_without_asking_slack(
    directory: ApproverDirectory, groups: RecordingUserGroups
) -> None:
    assert await directory.is_approver("UALICE", "any-registry")
    assert await directory.is_approver("WBOB", "team-a-registry")
    assert groups.asked == []


async def test_a_group_member_is_an_approver_and_others_are_not(
    directory: ApproverDirectory, groups: RecordingUserGroups
) -> None:
    assert await directory.is_approver("UCAROL", "any-registry")
    assert not await directory.is_approver("UERIN", "any-registry")
    assert await directory.is_approver("UDAVE", "prod-registry")
    assert not await directory.is_approver("UCAROL", "prod-registry")
    assert groups.asked == ["SOPS", "SPROD"]


async def test_a_registry_list_replaces_the_default_approvers(
    directory: ApproverDirectory,
) -> None:
    assert not await directory.is_approver("UALICE", "prod-registry")
    assert not await directory.is_approver("UALICE", "team-a-registry")


async def test_membership_is_cached_for_the_policy_ttl(
    directory: ApproverDirectory, groups: RecordingUserGroups, clock: FakeClock
) -> None:
    assert await directory.is_approver("UCAROL", "any-registry")
    groups.groups["SOPS"].discard("UCAROL")  # Carol leaves the group in Slack

    clock.advance(timedelta(seconds=59))
    assert await directory.is_approver("UCAROL", "any-registry")  # still cached
    assert groups.asked == ["SOPS"]

    clock.advance(timedelta(seconds=2))
    assert not await directory.is_approver("UCAROL", "any-registry")
    assert groups.asked == ["SOPS", "SOPS"]


async def test_invalidate_forgets_the_cache(
    directory: ApproverDirectory, groups: RecordingUserGroups
) -> None:
    await directory.is_approver("UCAROL", "any-registry")
    directory.invalidate()
    await directory.is_approver("UCAROL", "any-registry")

    assert groups.asked == ["SOPS", "SOPS"]


async def test_a_zero_ttl_asks_slack_every_time(
    groups: RecordingUserGroups, clock: FakeClock
) -> None:
    policy = POLICY.model_copy(update={"usergroup_cache_seconds": 0})
    directory = ApproverDirectory(policy, groups, clock)

    await directory.is_approver("UCAROL", "any-registry")
    await directory.is_approver("UCAROL", "any-registry")

    assert groups.asked == ["SOPS", "SOPS"]


async def test_a_failed_lookup_propagates_and_is_not_cached(
    directory: ApproverDirectory, groups: RecordingUserGroups
) -> None:
    groups.failing = True
    with pytest.raises(CouldNotVerify) as caught:  # refused as "could not verify", not guessed
        await directory.is_approver("UCAROL", "any-registry")
    assert isinstance(caught.value.__cause__, SlackUnavailable)

    groups.failing = False
    assert await directory.is_approver("UCAROL", "any-registry")
    assert groups.asked == ["SOPS", "SOPS"]


async def test_approvers_of_expands_the_groups(
    directory: ApproverDirectory, groups: RecordingUserGroups
) -> None:
    assert await directory.approvers_of("any-registry") == {"UALICE", "UCAROL", "UDAVE"}
    assert await directory.approvers_of("prod-registry") == {"UDAVE"}
    assert await directory.approvers_of("team-a-registry") == {"WBOB"}
    assert groups.asked == ["SOPS", "SPROD"]


async def test_registries_of_lists_what_the_user_approves_in_order(
    directory: ApproverDirectory, groups: RecordingUserGroups
) -> None:
    names = ["prod-registry", "alpha-registry", "team-a-registry", "beta-registry"]

    assert await directory.registries_of("UCAROL", names) == ["alpha-registry", "beta-registry"]
    assert await directory.registries_of("UDAVE", names) == [
        "prod-registry",
        "alpha-registry",
        "beta-registry",
    ]
    assert await directory.registries_of("WBOB", [*names, "team-a-registry"]) == ["team-a-registry"]
    assert await directory.registries_of("UERIN", names) == []
    assert groups.asked == ["SPROD", "SOPS"]  # one lookup per group, however many registries


async def test_registries_nobody_may_approve(groups: RecordingUserGroups, clock: FakeClock) -> None:
    policy = Policy.from_mapping(
        {"registries": {"prod-registry": {"approvers": ["UALICE"], "approval_channel": "CPROD"}}}
    )
    directory = ApproverDirectory(policy, groups, clock)

    assert not await directory.is_approver("UALICE", "dev-registry")
    assert await directory.registries_of("UALICE", ["dev-registry", "prod-registry"]) == [
        "prod-registry"
    ]
    with pytest.raises(UnknownRegistry):
        await directory.approvers_of("dev-registry")


async def test_a_burst_on_a_cold_cache_asks_slack_once(
    groups: RecordingUserGroups, directory: ApproverDirectory
) -> None:
    answers = await asyncio.gather(
        *(directory.is_approver("UCAROL", "x-registry") for _ in range(50))
    )
    assert all(answers)
    assert groups.asked == ["SOPS"]


async def test_a_shared_lookup_that_fails_fails_for_all_and_is_retried(
    groups: RecordingUserGroups, directory: ApproverDirectory
) -> None:
    groups.failing = True
    results = await asyncio.gather(
        *(directory.is_approver("UCAROL", "x-registry") for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, CouldNotVerify) for r in results)
    assert all(isinstance(r.__cause__, SlackUnavailable) for r in results)
    groups.failing = False
    assert await directory.is_approver("UCAROL", "x-registry")
    assert groups.asked == ["SOPS", "SOPS"]
