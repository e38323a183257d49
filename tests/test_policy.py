"""The policy file: defaults, per-registry overrides, and one-line errors naming the field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import UnknownRegistry
from bot.domain.models import Action, RepoScope
from bot.policy.model import Policy, PolicyError, Quorum, format_duration, parse_duration

EXAMPLE = Path(__file__).resolve().parent.parent / "policy.example.yml"

MINIMAL = {"defaults": {"approvers": ["UALICE"], "approval_channel": "CAPPROVE"}}


def scope(repository: str, *actions: Action) -> RepoScope:
    return RepoScope(repository=repository, actions=frozenset(actions))


# the example file and the defaults -----------------------------------------------------


def test_the_example_file_loads_and_shows_the_defaults_and_overrides() -> None:
    policy = Policy.load(EXAMPLE)

    team_a = policy.for_registry("team-a-registry")
    assert team_a.approvers == ("U0TEAMALEAD", "S0TEAMA0001")
    assert team_a.approval_channel == "C0TEAMAOPS"
    prod = policy.for_registry("prod-registry")
    assert (prod.max_expiry_days, prod.default_expiry_days) == (30, 7)
    assert prod.quorum == Quorum(pull=1, push=2, delete=2)
    assert prod.approvers == ("U0123ABCDEF", "S0PLATFORM1")  # inherited
    # every default the example shows is the model's default
    assert (policy.defaults.max_expiry_days, policy.defaults.default_expiry_days) == (90, 30)
    assert policy.defaults.quorum == Quorum()
    assert policy.model_dump(exclude={"defaults", "registries"}) == Policy.from_mapping(
        MINIMAL
    ).model_dump(exclude={"defaults", "registries"})


def test_a_minimal_policy_gets_every_default() -> None:
    policy = Policy.from_mapping(MINIMAL)

    rules = policy.for_registry("any-registry")
    assert rules.name == "any-registry"
    assert rules.approvers == ("UALICE",)
    assert rules.approval_channel == "CAPPROVE"
    assert (rules.max_expiry_days, rules.default_expiry_days) == (90, 30)
    assert rules.quorum == Quorum(pull=1, push=1, delete=1)
    assert policy.claim_ttl == timedelta(hours=24)
    assert policy.request_ttl == timedelta(hours=72)
    assert policy.usergroup_cache_ttl == timedelta(seconds=60)
    assert policy.audit_retention == timedelta(days=365)
    reminders = policy.reminders
    assert reminders.thresholds == (
        timedelta(days=14),
        timedelta(days=3),
        timedelta(days=1),
        timedelta(hours=1),
    )
    assert reminders.threshold_labels == ("14d", "3d", "1d", "1h")
    assert reminders.sweep_interval == timedelta(minutes=15)
    assert reminders.nudge_after == timedelta(hours=4)
    assert reminders.rotate_grace == timedelta(hours=24)
    assert (reminders.digest_hour_utc, reminders.disabled_report_days) == (8, 30)


def test_a_registry_overrides_what_it_names_and_inherits_the_rest() -> None:
    policy = Policy.from_mapping(
        {
            "defaults": {
                "approvers": ["UALICE", "SOPS"],
                "approval_channel": "CAPPROVE",
                "max_expiry_days": 60,
                "quorum": {"delete": 3},
            },
            "registries": {
                "prod-registry": {"approvers": ["WBOB"], "quorum": {"push": 2}},
                "team-a-registry": {"approval_channel": "GTEAMA", "max_expiry_days": 45},
                "team-b-registry": None,
            },
        }
    )

    prod = policy.for_registry("prod-registry")
    assert prod.approvers == ("WBOB",)  # a list replaces the defaults' list
    assert prod.approval_channel == "CAPPROVE"
    assert prod.quorum == Quorum(pull=1, push=2, delete=3)  # merged action by action
    team_a = policy.for_registry("team-a-registry")
    assert team_a.approvers == ("UALICE", "SOPS")
    assert (team_a.approval_channel, team_a.max_expiry_days) == ("GTEAMA", 45)
    listed_bare = policy.for_registry("team-b-registry").model_dump(exclude={"name"})
    assert listed_bare == policy.for_registry("unlisted-registry").model_dump(exclude={"name"})
    assert policy.for_registry("team-b-registry").max_expiry_days == 60


def test_approvers_split_into_users_and_groups_and_duplicates_collapse() -> None:
    policy = Policy.from_mapping(
        {"defaults": {"approvers": ["UALICE", "SOPS", "WBOB", "UALICE"], "approval_channel": "C1A"}}
    )

    rules = policy.for_registry("x-registry")
    assert rules.approvers == ("UALICE", "SOPS", "WBOB")
    assert rules.approver_users == ("UALICE", "WBOB")
    assert rules.approver_groups == ("SOPS",)


@pytest.mark.parametrize(
    ("scopes", "needed"),
    [
        ([scope("app", Action.PULL)], 1),
        ([scope("app", Action.PULL, Action.PUSH)], 2),
        ([scope("app", Action.PULL), scope("web", Action.PUSH)], 2),
        ([scope("*", Action.PULL), scope("web", Action.DELETE)], 3),
        ([scope("app", Action.DELETE, Action.PULL)], 3),
    ],
)
def test_the_quorum_is_that_of_the_strongest_action(scopes: list[RepoScope], needed: int) -> None:
    policy = Policy.from_mapping(
        {**MINIMAL, "registries": {"prod-registry": {"quorum": {"push": 2, "delete": 3}}}}
    )

    assert policy.for_registry("prod-registry").quorum_for(scopes) == needed
    assert policy.for_registry("other-registry").quorum_for(scopes) == 1


def test_a_policy_may_govern_only_the_registries_it_lists() -> None:
    policy = Policy.from_mapping(
        {"registries": {"prod-registry": {"approvers": ["UALICE"], "approval_channel": "CPROD"}}}
    )

    assert policy.governs("prod-registry")
    assert policy.for_registry("prod-registry").approvers == ("UALICE",)
    assert not policy.governs("dev-registry")
    with pytest.raises(UnknownRegistry, match="dev-registry"):
        policy.for_registry("dev-registry")


def test_durations_parse_and_format_back() -> None:
    assert parse_duration("14d") == timedelta(days=14)
    assert parse_duration("3h") == timedelta(hours=3)
    assert parse_duration("30m") == timedelta(minutes=30)
    assert format_duration(timedelta(hours=48)) == "2d"
    assert format_duration(timedelta(hours=36)) == "36h"
    assert format_duration(timedelta(minutes=90)) == "90m"
    for wrong in ("", "14", "1w", "0d", "-1h", "1.5h", "d"):
        with pytest.raises(ValueError, match=r"duration|positive"):
            parse_duration(wrong)


# wrong policies: one line naming the field ----------------------------------------------

WRONG = [
    pytest.param("defaults:\n  aprovers: [UALICE]\n", "defaults.aprovers", id="unknown-key"),
    pytest.param("defaults:\n  approvers: [UALICE]\napproval_chanel: C1\n", "approval_chanel",
                 id="unknown-top-level-key"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\n"
                 "registries:\n  prod-registry:\n    aprovers: [UBOB]\n",
                 "registries.prod-registry.aprovers", id="unknown-registry-key"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\nslack_command: /x\n",
                 "slack_command", id="slack-command-is-a-setting"),
    pytest.param("defaults:\n  approvers: [UALICE, '@bob']\n  approval_channel: CA1\n",
                 "defaults.approvers[1]", id="bad-user-id"),
    pytest.param("defaults:\n  approvers: [UALICE]\n  approval_channel: '#approvals'\n",
                 "defaults.approval_channel", id="bad-channel-id"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\n"
                 "registries:\n  Prod_Registry: {}\n", "registries.Prod_Registry",
                 id="bad-registry-name"),
    pytest.param("defaults:\n  approvers: [UALICE]\n  approval_channel: CA1\n"
                 "  max_expiry_days: 30\n  default_expiry_days: 45\n",
                 "defaults.default_expiry_days", id="default-more-than-max"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\n"
                 "registries:\n  prod-registry: {max_expiry_days: 7}\n",
                 "registries.prod-registry.default_expiry_days", id="inherited-default-too-long"),
    pytest.param("defaults:\n  approval_channel: CA1\n", "defaults.approvers", id="no-approvers"),
    pytest.param("defaults: {approval_channel: CA1}\nregistries:\n  prod-registry: {}\n",
                 "registries.prod-registry.approvers", id="registry-without-approvers"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\n"
                 "registries:\n  prod-registry: {approvers: []}\n",
                 "registries.prod-registry.approvers", id="registry-with-empty-approvers"),
    pytest.param("defaults: {approvers: [UALICE]}\nregistries:\n  prod-registry: {}\n",
                 "registries.prod-registry.approval_channel", id="no-approval-channel"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\n"
                 "registries:\n  prod-registry:\n    quorum: {push: -1}\n",
                 "registries.prod-registry.quorum.push: must be >= 1", id="negative-quorum"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1, quorum: {pull: 0}}\n",
                 "defaults.quorum.pull: must be >= 1", id="zero-quorum"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1, quorum: {push: yes}}\n",
                 "defaults.quorum.push", id="boolean-quorum"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\n"
                 "reminders:\n  thresholds: [14d, 2 weeks]\n", "reminders.thresholds[1]",
                 id="bad-duration"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\n"
                 "reminders: {digest_hour_utc: 24}\n", "reminders.digest_hour_utc: must be <= 23",
                 id="hour-out-of-range"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\nclaim_ttl_hours: 0\n",
                 "claim_ttl_hours: must be >= 1", id="zero-ttl"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\n"
                 "registries: [prod-registry]\n", "registries", id="registries-not-a-mapping"),
    pytest.param("defaults:\n  approvers: [UALICE\n", "line 2", id="unclosed-list"),
    pytest.param("defaults:\n  approvers: [UALICE]\n approval_channel: CA1\n", "line 3",
                 id="bad-indentation"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1}\n"
                 "registries:\n  prod-registry: {}\n  prod-registry: {}\n", "line 4",
                 id="duplicate-key"),
    pytest.param("- UALICE\n", "top level", id="not-a-mapping"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "field"), WRONG)
def test_a_wrong_policy_fails_with_one_line_naming_the_field(
    tmp_path: Path, text: str, field: str
) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(text)

    with pytest.raises(PolicyError) as caught:
        Policy.load(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert field in message
    assert "\n" not in message


def test_a_missing_file_fails_with_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "policy.yml"

    with pytest.raises(PolicyError) as caught:
        Policy.load(path)

    assert str(caught.value) == f"{path}: no such file (REGBOT_POLICY names the policy file)"


def test_from_mapping_names_its_source() -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.from_mapping(
            {**MINIMAL, "registries": {"prod": {"quorum": {"push": 0}}}}, source="policy.yml"
        )

    assert str(caught.value) == "policy.yml: registries.prod.quorum.push: must be >= 1"


# any valid policy round-trips -----------------------------------------------------------

user_ids = st.from_regex(r"[UW][A-Z0-9]{2,10}", fullmatch=True)
group_ids = st.from_regex(r"S[A-Z0-9]{2,10}", fullmatch=True)
approver_lists = st.lists(st.one_of(user_ids, group_ids), min_size=1, max_size=4, unique=True)
channels = st.from_regex(r"[CG][A-Z0-9]{2,10}", fullmatch=True)
registry_names = st.from_regex(r"[a-z][-a-z0-9]{1,12}[a-z0-9]", fullmatch=True)
durations = st.builds("{}{}".format, st.integers(1, 400), st.sampled_from("dhm"))
quorums = st.fixed_dictionaries(
    {}, optional={a: st.integers(1, 5) for a in ("pull", "push", "delete")}
)


@st.composite
def expiry(draw: st.DrawFn, inherited_max: int, inherited_default: int) -> dict[str, int]:
    """Optional max/default expiry that keep the effective default <= the effective max."""
    out: dict[str, int] = {}
    if draw(st.booleans()):
        out["max_expiry_days"] = draw(st.integers(1, 3650))
    most = out.get("max_expiry_days", inherited_max)
    if inherited_default > most or draw(st.booleans()):
        out["default_expiry_days"] = draw(st.integers(1, most))
    return out


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(registry_names, max_size=3, unique=True))
    complete = draw(st.booleans()) or not names
    defaults: dict[str, Any] = draw(expiry(90, 30))
    if complete or draw(st.booleans()):
        defaults["approvers"] = draw(approver_lists)
    if complete or draw(st.booleans()):
        defaults["approval_channel"] = draw(channels)
    if draw(st.booleans()):
        defaults["quorum"] = draw(quorums)
    registries: dict[str, Any] = {}
    for name in names:
        own: dict[str, Any] = draw(
            expiry(defaults.get("max_expiry_days", 90), defaults.get("default_expiry_days", 30))
        )
        if "approvers" not in defaults or draw(st.booleans()):
            own["approvers"] = draw(approver_lists)
        if "approval_channel" not in defaults or draw(st.booleans()):
            own["approval_channel"] = draw(channels)
        if draw(st.booleans()):
            own["quorum"] = draw(quorums)
        registries[name] = own
    top = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "claim_ttl_hours": st.integers(1, 1000),
                "request_ttl_hours": st.integers(1, 1000),
                "usergroup_cache_seconds": st.integers(0, 3600),
                "audit_retention_days": st.integers(1, 5000),
                "reminders": st.fixed_dictionaries(
                    {},
                    optional={
                        "thresholds": st.lists(durations, max_size=5),
                        "sweep_minutes": st.integers(1, 120),
                        "nudge_after_hours": st.integers(1, 48),
                        "rotate_grace_hours": st.integers(0, 72),
                        "digest_hour_utc": st.integers(0, 23),
                        "disabled_report_days": st.integers(1, 365),
                    },
                ),
            },
        )
    )
    return {"defaults": defaults, "registries": registries, **top}


@given(policies())
def test_any_valid_policy_round_trips(data: dict[str, Any]) -> None:
    policy = Policy.from_mapping(data)

    again = Policy.from_mapping(yaml.safe_load(yaml.safe_dump(policy.to_mapping())))
    assert again == policy
    defaults = data["defaults"]
    for name, own in data["registries"].items():
        rules = again.for_registry(name)
        assert rules.approvers == tuple(own.get("approvers", defaults.get("approvers")))
        assert rules.approval_channel == own.get(
            "approval_channel", defaults.get("approval_channel")
        )
        assert rules.max_expiry_days == own.get(
            "max_expiry_days", defaults.get("max_expiry_days", 90)
        )
        assert rules.default_expiry_days <= rules.max_expiry_days
        for action in Action:
            expected = own.get("quorum", {}).get(
                action.value, defaults.get("quorum", {}).get(action.value, 1)
            )
            assert rules.quorum.for_action(action) == expected
