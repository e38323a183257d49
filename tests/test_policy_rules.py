"""The policy's rules (issue 13): auto_approve, break_glass, escalation — defaults, overrides,
and one-line errors naming the field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.models import Action
from bot.domain.patterns import pattern_covers
from bot.policy.model import Policy, PolicyError

EXAMPLE = Path(__file__).resolve().parent.parent / "policy.example.yml"
BASE: dict[str, Any] = {"defaults": {"approvers": ["UALICE"], "approval_channel": "CAPPROVE"}}
RULE = {"name": "short-pulls", "actions": ["pull"], "max_days": 7}


def with_defaults(**fields: Any) -> dict[str, Any]:
    return {"defaults": {**BASE["defaults"], **fields}}


def test_without_the_new_fields_nothing_is_automatic_nor_open() -> None:
    rules = Policy.from_mapping(BASE).for_registry("team-registry")
    assert (rules.auto_approve, rules.break_glass, rules.escalation) == ((), None, None)


def test_the_example_file_documents_each_rule_with_its_defaults() -> None:
    policy = Policy.load(EXAMPLE)
    team = policy.for_registry("team-a-registry")  # inherits the defaults' rules
    (rule,) = team.auto_approve
    assert (rule.name, rule.actions, rule.max_days) == ("short-pulls", (Action.PULL,), 7)
    assert (rule.repositories, rule.requesters, rule.per_user_per_day) == (
        ("team/*",),
        ("S0DEVS00001",),
        3,
    )
    assert team.break_glass is not None and team.break_glass.max_hours == 24
    assert team.escalation is not None and team.escalation.after == timedelta(hours=8)
    prod = policy.for_registry("prod-registry")
    assert prod.auto_approve == () and prod.escalation is None
    assert prod.break_glass is not None and prod.break_glass.max_hours == 4
    text = EXAMPLE.read_text()
    for documented in ("auto_approve", "per_user_per_day", "break_glass", "max_hours",
                       "notify_channel", "escalation", "after", "Default: [] (no rules",
                       "default 24", "Default: absent"):  # fmt: skip
        assert documented in text


def test_optional_fields_of_a_rule_have_their_defaults() -> None:
    policy = Policy.from_mapping(
        with_defaults(
            auto_approve=[RULE],
            break_glass={"notify_channel": "CSEC"},
            escalation={"after": "8h", "approvers": ["UBOB"]},
        )
    )
    rules = policy.for_registry("any-registry")
    (rule,) = rules.auto_approve
    assert (rule.repositories, rule.requesters, rule.per_user_per_day) == (None, None, None)
    assert rules.break_glass is not None and rules.break_glass.max_hours == 24
    assert rules.escalation is not None and rules.escalation.channel is None


def test_a_registry_replaces_or_turns_off_the_defaults_rules() -> None:
    data = with_defaults(
        auto_approve=[RULE],
        break_glass={"notify_channel": "CSEC"},
        escalation={"after": "8h", "approvers": ["UBOB"]},
    )
    data["registries"] = {
        "prod-registry": {"auto_approve": [], "break_glass": False, "escalation": False},
        "team-registry": {
            "auto_approve": [{**RULE, "name": "team-pulls", "repositories": ["team/*"]}],
            "break_glass": {"max_hours": 2, "notify_channel": "CTEAM"},
        },
        "other-registry": None,
    }
    policy = Policy.from_mapping(data)

    prod = policy.for_registry("prod-registry")
    assert (prod.auto_approve, prod.break_glass, prod.escalation) == ((), None, None)
    team = policy.for_registry("team-registry")
    assert [r.name for r in team.auto_approve] == ["team-pulls"]
    assert team.break_glass is not None and team.break_glass.notify_channel == "CTEAM"
    assert team.escalation == policy.for_registry("other-registry").escalation  # inherited
    assert [r.name for r in policy.for_registry("other-registry").auto_approve] == ["short-pulls"]
    again = Policy.from_mapping(
        yaml.safe_load(yaml.safe_dump(Policy.from_mapping(data).to_mapping()))
    )
    assert again.for_registry("prod-registry").break_glass is None


def test_backup_approvers_split_into_users_and_groups() -> None:
    policy = Policy.from_mapping(
        with_defaults(escalation={"after": "30m", "approvers": ["UONE", "SONCALL", "UONE"]})
    )
    rules = policy.for_registry("r-1")
    assert (rules.backup_users, rules.backup_groups) == (("UONE",), ("SONCALL",))


R = "defaults: {approvers: [UALICE], approval_channel: CA1}\nregistries:\n  prod-registry:\n"
WRONG = [
    pytest.param(R + "    auto_approve: [{name: a, actions: [pull], max_days: 7, maxdays: 3}]\n",
                 "registries.prod-registry.auto_approve[0].maxdays: unknown key", id="rule-typo"),
    pytest.param(R + "    auto_approve: [{name: a, actions: [pul], max_days: 7}]\n",
                 "registries.prod-registry.auto_approve[0].actions[0]", id="rule-bad-action"),
    pytest.param(R + "    auto_approve: [{name: a, actions: [], max_days: 7}]\n",
                 "auto_approve[0].actions: must not be empty", id="rule-no-actions"),
    pytest.param(R + "    auto_approve: [{name: a, actions: [pull]}]\n",
                 "auto_approve[0].max_days: is required", id="rule-no-max-days"),
    pytest.param(R + "    auto_approve: [{name: a, actions: [pull], max_days: 0}]\n",
                 "auto_approve[0].max_days: must be >= 1", id="rule-zero-days"),
    pytest.param(R + "    auto_approve: [{name: a, actions: [pull], max_days: 1,"
                 " repositories: ['Team/*']}]\n", "auto_approve[0].repositories[0]",
                 id="rule-bad-pattern"),
    pytest.param(R + "    auto_approve: [{name: a, actions: [pull], max_days: 1,"
                 " requesters: ['@devs']}]\n", "auto_approve[0].requesters[0]",
                 id="rule-bad-requester"),
    pytest.param(R + "    auto_approve: [{name: a, actions: [pull], max_days: 1,"
                 " per_user_per_day: 0}]\n", "auto_approve[0].per_user_per_day: must be >= 1",
                 id="rule-zero-cap"),
    pytest.param(R + "    auto_approve: [{name: a, actions: [pull], max_days: 1},"
                 " {name: a, actions: [push], max_days: 1}]\n",
                 "registries.prod-registry.auto_approve: the rule name 'a' is used twice",
                 id="rule-name-twice"),
    pytest.param(R + "    auto_approve: [{name: 'Short Pulls', actions: [pull], max_days: 1}]\n",
                 "auto_approve[0].name", id="rule-bad-name"),
    pytest.param(R + "    break_glass: {max_hours: 0, notify_channel: CSEC}\n",
                 "registries.prod-registry.break_glass.max_hours: must be >= 1",
                 id="break-glass-zero-hours"),
    pytest.param(R + "    break_glass: {max_hours: 4}\n",
                 "registries.prod-registry.break_glass.notify_channel: is required",
                 id="break-glass-no-channel"),
    pytest.param(R + "    break_glass: {notify_channel: '#security'}\n",
                 "break_glass.notify_channel", id="break-glass-bad-channel"),
    pytest.param(R + "    break_glass: {notify_channel: CSEC, notify: CSEC}\n",
                 "registries.prod-registry.break_glass.notify: unknown key",
                 id="break-glass-typo"),
    pytest.param(R + "    break_glass: true\n", "registries.prod-registry.break_glass: must be a",
                 id="break-glass-true"),
    pytest.param(R + "    escalation: {after: soon, approvers: [UBOB]}\n",
                 "registries.prod-registry.escalation.after", id="escalation-bad-duration"),
    pytest.param(R + "    escalation: {after: 8h, approvers: []}\n",
                 "escalation.approvers: must not be empty", id="escalation-no-approvers"),
    pytest.param(R + "    escalation: {after: 8h}\n", "escalation.approvers: is required",
                 id="escalation-approvers-missing"),
    pytest.param(R + "    escalation: {after: 8h, approvers: [UBOB], channel: approvals}\n",
                 "escalation.channel", id="escalation-bad-channel"),
    pytest.param(R + "    escalation: {after: 3d, approvers: [UBOB]}\n",
                 "registries.prod-registry.escalation.after: 3d is not shorter than "
                 "request_ttl_hours 72", id="escalation-never-fires"),
    pytest.param("defaults: {approvers: [UALICE], approval_channel: CA1, breakglass: {}}\n",
                 "defaults.breakglass: unknown key", id="defaults-typo"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "field"), WRONG)
def test_a_wrong_rule_fails_with_one_line_naming_the_field(
    tmp_path: Path, text: str, field: str
) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(text)

    with pytest.raises(PolicyError) as caught:
        Policy.load(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert field in message
    assert "BreakGlass" not in message and "Escalation" not in message  # no pydantic tags
    assert "literal" not in message


@pytest.mark.parametrize(
    ("pattern", "repository", "covered"),
    [
        ("team/*", "team/app", True),
        ("team/*", "team/app/sub", True),
        ("team/*", "team/*", True),
        ("team/*", "team/x*", True),
        ("team/*", "team*", False),
        ("team/*", "*", False),
        ("team/*", "teammate/app", False),
        ("team/app", "team/app", True),
        ("team/app", "team/app2", False),
        ("team/app", "team/*", False),
        ("team*", "teammate/app", True),
        ("*", "*", True),
        ("*", "anything/at/all", True),
    ],
)
def test_repository_patterns(pattern: str, repository: str, covered: bool) -> None:
    assert pattern_covers(pattern, repository) is covered


# any valid set of rules round-trips ------------------------------------------------------

ids = st.one_of(
    st.from_regex(r"[UW][A-Z0-9]{2,8}", fullmatch=True),
    st.from_regex(r"S[A-Z0-9]{2,8}", fullmatch=True),
)
patterns = st.sampled_from(["*", "team/*", "team/app", "team*", "a.b/c-d"])
rules = st.lists(
    st.fixed_dictionaries(
        {
            "actions": st.lists(
                st.sampled_from(["pull", "push", "delete"]), min_size=1, max_size=3, unique=True
            ),
            "max_days": st.integers(1, 400),
        },
        optional={
            "repositories": st.lists(patterns, min_size=1, max_size=3),
            "requesters": st.lists(ids, min_size=1, max_size=3, unique=True),
            "per_user_per_day": st.integers(1, 50),
        },
    ),
    max_size=3,
).map(lambda found: [{"name": f"rule-{i}", **r} for i, r in enumerate(found)])
sections = st.fixed_dictionaries(
    {},
    optional={
        "auto_approve": rules,
        "break_glass": st.one_of(
            st.fixed_dictionaries({"notify_channel": st.just("CSEC")},
                                  optional={"max_hours": st.integers(1, 72)}),
        ),
        "escalation": st.fixed_dictionaries(
            {"after": st.sampled_from(["30m", "8h", "2d"]),
             "approvers": st.lists(ids, min_size=1, max_size=3, unique=True)},
            optional={"channel": st.just("CESC")},
        ),
    },
)  # fmt: skip


@given(sections, sections, st.booleans())
def test_any_valid_rules_round_trip(
    defaults: dict[str, Any], own: dict[str, Any], switch_off: bool
) -> None:
    if switch_off:
        own = {**own, "break_glass": False, "escalation": False}
    data = {"defaults": {**BASE["defaults"], **defaults}, "registries": {"reg-one": own}}
    policy = Policy.from_mapping(data)

    again = Policy.from_mapping(yaml.safe_load(yaml.safe_dump(policy.to_mapping())))
    assert again == policy
    merged = again.for_registry("reg-one")
    for name in ("break_glass", "escalation"):
        chosen = own.get(name, defaults.get(name))
        assert (getattr(merged, name) is None) == (not chosen)
    expected = own.get("auto_approve", defaults.get("auto_approve", []))
    assert [r.name for r in merged.auto_approve] == [r["name"] for r in expected]
