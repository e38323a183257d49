"""`regbot policy explain` in words for each case, and `check-config`'s one line per registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.policy.model import Policy
from bot.runtime.check_config import rules_lines
from bot.runtime.cli import main

REPO = Path(__file__).resolve().parent.parent
POLICY: dict[str, Any] = {
    "defaults": {
        "approvers": ["UALICE", "SAPPROVERS"],
        "approval_channel": "CAPPROVE",
        "auto_approve": [
            {"name": "members-pulls", "actions": ["pull"], "max_days": 30,
             "requesters": ["SDEVS"]},
            {"name": "short-pulls", "actions": ["pull"], "max_days": 7,
             "repositories": ["team/*"], "per_user_per_day": 3},
            {"name": "bob-only", "actions": ["pull", "push"], "max_days": 2,
             "requesters": ["UBOB"]},
        ],
        "break_glass": {"max_hours": 6, "notify_channel": "CSECURITY"},
        "escalation": {"after": "8h", "approvers": ["UONCALL"]},
    },
    "registries": {
        "prod-registry": {
            "approvers": ["UP1", "UP2", "UP3"],
            "max_expiry_days": 30,
            "default_expiry_days": 7,
            "quorum": {"push": 2},
            "auto_approve": [],
            "break_glass": False,
            "escalation": False,
        },
    },
}  # fmt: skip


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(POLICY))
    return path


def explain(
    policy_file: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[str]]:
    code = main(["policy", "explain", "--policy", str(policy_file), *args])
    captured = capsys.readouterr()
    return code, (captured.out or captured.err).strip().splitlines()


def ask(registry: str, user: str, actions: str, days: int, repo: str | None = None) -> list[str]:
    return [
        "--registry", registry, "--user", user, "--actions", actions, "--days", str(days),
        *(["--repository", repo] if repo else []),
    ]  # fmt: skip


def test_a_rule_that_fits_approves_with_its_cap(
    policy_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = explain(policy_file, capsys, *ask("team-registry", "UDEV", "pull", 5, "team/app"))
    assert code == 0
    assert lines[0] == "Request by UDEV on team-registry: pull on team/app, expiring in 5 days."
    assert lines[1] == "Expiry: at most 90 days on team-registry."
    assert lines[2] == (
        "Rule members-pulls: approves it at once, only if UDEV is a member of SDEVS "
        "(checked in Slack)."
    )
    assert lines[3] == (
        "Rule short-pulls: approves it at once, no approver needed (at most 3 a day for UDEV)."
    )
    assert lines[4].startswith(
        "Otherwise (if it is past the cap of 3 today): approvers "
        "decide: 1 approval needed (quorum for pull) from UALICE, SAPPROVERS, asked in CAPPROVE"
    )
    assert (
        lines[5]
        == "Escalation: undecided after 8h, UONCALL are asked in CAPPROVE and may decide it too."
    )
    assert lines[6] == (
        "Break-glass: open: self-approved, at most 6 hours, alerts CSECURITY, reviewed by the "
        "approvers afterwards."
    )


def test_a_named_requester_fits_without_a_cap(
    policy_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines = explain(policy_file, capsys, *ask("team-registry", "UBOB", "pull,push", 2, "x/y"))
    assert "Rule bob-only: approves it at once, no approver needed." in lines
    assert not any("pprovers decide" in line for line in lines)  # nobody is asked
    assert not any(line.startswith("Escalation") for line in lines)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (ask("team-registry", "UDEV", "pull,push", 5, "team/app"),
         "Rule short-pulls: does not fit: asks for push, beyond pull."),
        (ask("team-registry", "UDEV", "pull", 10, "team/app"),
         "Rule short-pulls: does not fit: expires more than 7 days ahead."),
        (ask("team-registry", "UDEV", "pull", 5, "other/app"),
         "Rule short-pulls: does not fit: other/app is outside team/*."),
        (ask("team-registry", "UDEV", "pull", 2),
         "Rule short-pulls: does not fit: * is outside team/*."),
        (ask("team-registry", "UDEV", "pull,push", 1),
         "Rule bob-only: does not fit: UDEV is not among its requesters (UBOB)."),
    ],
    ids=["push-beyond-pull", "too-long", "outside", "all-repositories", "not-a-requester"],
)  # fmt: skip
def test_a_rule_that_does_not_fit_says_why(
    policy_file: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    _, lines = explain(policy_file, capsys, *args)
    assert expected in lines


def test_quorum_escalation_and_break_glass_closed(
    policy_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines = explain(policy_file, capsys, *ask("prod-registry", "UDEV", "pull,push", 7))
    assert lines[1:] == [
        "Expiry: at most 30 days on prod-registry.",
        "No self-service rules (auto_approve) on this registry.",
        "Approvers decide: 2 approvals needed (quorum for push) from UP1, UP2, UP3, asked in "
        "CAPPROVE; UDEV cannot approve it.",
        "Escalation: none.",
        "Break-glass: closed on prod-registry.",
    ]


def test_too_long_an_expiry_is_refused(
    policy_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines = explain(policy_file, capsys, *ask("prod-registry", "UDEV", "pull", 31))
    assert lines[2] == "Refused by the form: 31 days is longer than that."
    assert len(lines) == 4 and lines[3].startswith("Break-glass: closed")


def test_a_registry_nobody_approves(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "policy.yml"
    only = {"defaults": {}, "registries": {"prod-registry": {"approvers": ["UP1"],
            "approval_channel": "CPROD"}}}  # fmt: skip
    path.write_text(yaml.safe_dump(only))
    _, lines = explain(path, capsys, *ask("team-registry", "UDEV", "pull", 1))
    assert lines == ["team-registry: no approvers are configured: every request is refused."]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (ask("team-registry", "UDEV", "pul", 1), "--actions: 'pul' is not pull, push, delete"),
        (ask("team-registry", "UDEV", "pull", 0), "--days: at least 1"),
        (ask("team-registry", "UDEV", "pull", 1, "Bad Repo"), "--repository: 'Bad Repo'"),
    ],
)
def test_wrong_flags_are_one_line_and_exit_2(
    policy_file: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, lines = explain(policy_file, capsys, *args)
    assert code == 2 and len(lines) == 1 and words in lines[0]


def test_the_command_is_registered(policy_file: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", "policy", "explain", "--policy", str(policy_file),
         *ask("team-registry", "UDEV", "pull", 3, "team/app")],
        capture_output=True, text=True, cwd=REPO, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Rule short-pulls: approves it at once" in done.stdout


def test_check_config_summarises_each_registry_in_one_line() -> None:
    lines = rules_lines(Policy.from_mapping(POLICY))
    assert lines == [
        "ok   rules prod-registry: approvers UP1, UP2, UP3 in CAPPROVE; quorum pull 1/push 2/"
        "delete 1; expiry <= 30d; auto_approve: none; break-glass: closed; escalation: none",
        "ok   rules (any other registry): approvers UALICE, SAPPROVERS in CAPPROVE; quorum pull "
        "1/push 1/delete 1; expiry <= 90d; auto_approve: members-pulls (pull up to 30d for "
        "SDEVS); short-pulls (pull up to 7d on team/* 3/user/day); bob-only (pull/push up to 2d "
        "for UBOB); break-glass: 6h, alerts CSECURITY; escalation: after 8h to UONCALL",
    ]
