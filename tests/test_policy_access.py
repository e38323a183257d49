"""The policy file as a container set-up gets it wrong — a directory where the file should be
(a bind mount of a missing ./policy.yml makes one), a file the image's uid 10001 cannot read
(mode 0600) — is named by `regbot check-config` and at start-up, with what to do."""

from __future__ import annotations

import os
from pathlib import Path

from bot.runtime.policy_access import IMAGE_UID, policy_file_problem
from tests.serving import bot_env, run_regbot, write_policy


def test_a_0600_file_of_another_owner_is_unreadable_for_the_image_user(tmp_path: Path) -> None:
    policy = write_policy(tmp_path)
    policy.chmod(0o600)

    problem = policy_file_problem(policy, uid=IMAGE_UID)

    assert problem is not None
    assert f"not readable by uid {IMAGE_UID} (mode 0600, owner uid {os.geteuid()})" in problem
    assert "chmod 644 policy.yml" in problem
    policy.chmod(0o644)
    assert policy_file_problem(policy, uid=IMAGE_UID) is None
    policy.chmod(0o600)
    os.chown(policy, IMAGE_UID, -1) if os.geteuid() == 0 else None
    owner_reads = os.geteuid() != 0 or policy_file_problem(policy, uid=IMAGE_UID) is None
    assert owner_reads  # its owner may read a 0600 file


def test_a_directory_and_a_missing_file(tmp_path: Path) -> None:
    (tmp_path / "policy.yml").mkdir()

    problem = policy_file_problem(tmp_path / "policy.yml")

    assert problem is not None and "is a directory" in problem
    assert "cp policy.example.yml policy.yml" in problem
    assert policy_file_problem(tmp_path / "absent.yml") is None  # the loader words that one


async def test_check_config_and_serve_say_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "policy.yml").mkdir()
    env = bot_env(
        slack_url="http://127.0.0.1:9/api/",
        ionos_url="http://127.0.0.1:9",
        redis_url="redis://127.0.0.1:9/0",
        policy=tmp_path / "policy.yml",
        port=3000,
    )

    (tmp_path / "check").mkdir()
    (tmp_path / "serve").mkdir()
    checked = await run_regbot(["check-config"], env, tmp_path / "check")
    checked_code = await checked.process.wait()
    served = await run_regbot(["serve"], env, tmp_path / "serve")
    served_code = await served.process.wait()

    [policy_line] = [x for x in checked.output().splitlines() if x.startswith("FAIL policy")]
    assert checked_code == 1
    assert "is a directory" in policy_line and "cp policy.example.yml" in policy_line
    assert served_code == 2
    assert served.output().strip().startswith("regbot: ")
    assert "is a directory" in served.output() and "Traceback" not in served.output()
