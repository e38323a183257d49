"""Dockerfile, compose.yaml and .env.example, checked without a Docker engine: what can be
read from the files — pinned base image, non-root user, health check, command, the paths
copied exist, the dependency layer comes before the code, Redis persists, every setting is
listed for the operator."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from typing import Any

import yaml

from bot.runtime.settings import Settings
from tests.serving import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions: comments dropped, continuation lines joined."""
    found: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, args = line.partition(" ")
        found.append(Instruction(keyword.upper(), args.strip()))
    return found


STEPS = instructions(DOCKERFILE)


def stages() -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for step in STEPS:
        if step.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(step)
    return result


def build_args() -> dict[str, str]:
    """ARGs declared before the first FROM, with their defaults."""
    values: dict[str, str] = {}
    for step in STEPS:
        if step.keyword == "FROM":
            break
        if step.keyword == "ARG" and "=" in step.args:
            name, _, default = step.args.partition("=")
            values[name] = default
    return values


def base_image(step: Instruction) -> str:
    image = step.args.split()[0]
    for name, value in build_args().items():
        image = image.replace(f"${{{name}}}", value).replace(f"${name}", value)
    return image


def test_the_base_image_is_pinned_to_an_exact_release() -> None:
    images = [base_image(s) for s in STEPS if s.keyword == "FROM"]
    assert len(images) >= 2, "multi-stage: a builder and a final stage"
    for image in images:
        name, _, tag = image.partition(":")
        assert name == "python"
        assert tag and tag != "latest"
        assert re.match(r"^\d+\.\d+\.\d+-slim", tag), f"{image}: pin major.minor.patch, slim"
    assert len(set(images)) == 1, "builder and final stage share one base (the venv's paths)"


def test_the_final_stage_runs_regbot_serve_as_a_user_with_a_health_check() -> None:
    final = stages()[-1]
    keywords = [s.keyword for s in final]
    users = [s.args for s in final if s.keyword == "USER"]
    assert users, "the final stage sets a USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert json.loads(next(s.args for s in final if s.keyword == "CMD")) == ["regbot", "serve"]
    health = next(s.args for s in final if s.keyword == "HEALTHCHECK")
    # the check follows the command (serve: /healthz; sweep: its Redis; stand-ins: their port)
    assert json.loads(health.partition("CMD")[2]) == ["python", "-m", "bot.runtime.healthcheck"]
    assert (REPO / "bot/runtime/healthcheck.py").exists()
    assert "curl" not in health and "wget" not in health  # neither is in the slim image
    assert "3000" in next(s.args for s in final if s.keyword == "EXPOSE")
    assert keywords.index("USER") < keywords.index("CMD")
    # only the builder's virtualenv comes over; no source tree, no build tools
    copies = [s.args for s in final if s.keyword == "COPY"]
    assert copies == ["--from=builder /opt/venv /opt/venv"]


def test_every_copied_path_exists_and_dependencies_come_before_the_code() -> None:
    builder = stages()[0]
    sources: list[str] = []
    for step in builder:
        if step.keyword == "COPY" and "--from=" not in step.args:
            sources.extend(shlex.split(step.args)[:-1])
    assert sources
    for source in sources:
        assert (REPO / source).exists(), f"COPY {source}: no such path in the repository"
    dependency_copy = sources.index("requirements.lock")
    assert dependency_copy < sources.index("bot") and dependency_copy < sources.index("handlers")
    install = next(s for s in builder if s.keyword == "RUN" and "requirements.lock" in s.args)
    assert builder.index(install) < next(
        i for i, s in enumerate(builder) if s.keyword == "COPY" and s.args.startswith("bot")
    )
    assert "--constraint requirements.lock" in install.args  # the locked versions


def test_no_syntax_line_and_the_code_copy_comes_last() -> None:
    """No `# syntax=` directive (BuildKit would fetch a frontend image: offline and
    mirror-only builds fail); in the final stage nothing follows the venv's COPY, so a code
    change rebuilds one layer."""
    assert not re.search(r"^#\s*syntax\s*=", DOCKERFILE, flags=re.MULTILINE | re.IGNORECASE)
    final = stages()[-1]
    assert final[-1].keyword == "COPY" and final[-1].args.startswith("--from=builder")
    assert [s.keyword for s in final].count("COPY") == 1


def test_the_runtime_venv_has_no_pip_or_setuptools() -> None:
    builder = stages()[0]
    last_run = [s for s in builder if s.keyword == "RUN"][-1].args
    assert "pip install --no-deps --no-build-isolation ." in last_run
    uninstall = last_run.partition("pip uninstall")[2]
    assert "setuptools" in uninstall and "pip" in uninstall.split("&&")[0]
    assert last_run.index("pip install --no-deps") < last_run.index("pip uninstall")


def test_the_build_backend_is_pinned_and_locked() -> None:
    build = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    locked = dict(
        line.split("==", 1)
        for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if "==" in line
    )
    assert build["requires"], "a build backend is declared"
    for requirement in build["requires"]:
        name, _, version = requirement.partition("==")
        assert version, f"{requirement}: pin the build backend to one version"
        assert locked.get(name) == version, f"{name} {version} is in requirements.lock"
    # the builder installs that locked version and builds with it, not with an isolated one
    builder = stages()[0]
    assert any("pip install setuptools --constraint requirements.lock" in s.args for s in builder)


def test_compose_has_no_v2_only_name_and_binds_files_in_long_form() -> None:
    assert "name" not in COMPOSE  # Compose v1 refuses a top-level name
    for service_name, service in COMPOSE["services"].items():
        for volume in service.get("volumes", []):
            if isinstance(volume, str):
                source = volume.split(":")[0]
                assert source in COMPOSE["volumes"], f"{service_name}: {volume}: short-form bind"
                continue
            assert volume["type"] == "bind" and volume["read_only"] is True
            source = str(volume["source"])
            if source != "./policy.yml":  # the operator's own; the others ship with the repo
                assert (REPO / source).is_file(), f"{service_name}: {source} is not in the repo"


def test_compose_publishes_ports_on_loopback_only() -> None:
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port} is on every interface"


def test_the_try_profile_runs_the_bot_between_the_stand_ins_in_socket_mode() -> None:
    services = COMPOSE["services"]
    tried = {n for n, s in services.items() if "try" in s.get("profiles", [])}
    assert tried == {"fake-ionos", "fake-slack", "regbot-try"}
    env = services["regbot-try"]["environment"]
    assert "env_file" not in services["regbot-try"]  # nothing to fill in
    assert env["SLACK_APP_TOKEN"].startswith("xapp-")  # Socket Mode, the manifest's default
    assert env["SLACK_API_URL"] == "http://fake-slack:8081/api/"
    assert env["IONOS_API_URL"] == "http://fake-ionos:8080"
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["REGBOT_NAMESPACE"] != "regbot"  # apart from a real regbot's keys
    assert set(services["regbot-try"]["depends_on"]) == {"redis", "fake-ionos", "fake-slack"}
    for stand_in in ("fake-ionos", "fake-slack"):
        command = services[stand_in]["command"]
        assert command[:2] == ["regbot", stand_in] and "0.0.0.0" in command  # noqa: S104
        # their own health check, not the bot's port 3000
        assert services[stand_in]["healthcheck"]["test"][-1] == "bot.runtime.healthcheck"
    policy = yaml.safe_load((REPO / "deploy/try/policy.yml").read_text(encoding="utf-8"))
    assert policy["defaults"]["approvers"] == ["SAPPROVERS"]  # fake-slack's user group
    assert policy["defaults"]["approval_channel"] == "CAPPROVALS"


def test_the_real_bot_starts_from_the_env_file_profile() -> None:
    """`docker compose up` starts the bot when .env (from .env.example) says COMPOSE_PROFILES;
    `docker compose --profile try up` on a fresh clone starts only Redis and the try set."""
    profiles = COMPOSE["services"]["regbot"]["profiles"]
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    [line] = [x for x in text.splitlines() if x.startswith("COMPOSE_PROFILES=")]
    assert set(profiles) <= set(line.partition("=")[2].split(","))
    assert "profiles" not in COMPOSE["services"]["redis"]  # shared by both


def test_compose_runs_the_bot_on_a_persistent_redis() -> None:
    services = COMPOSE["services"]
    bot, redis = services["regbot"], services["redis"]
    assert str(redis["image"]).startswith("redis:7")
    command = redis["command"]
    argv = command if isinstance(command, list) else shlex.split(command)
    assert argv[argv.index("--appendonly") + 1] == "yes"
    assert argv[argv.index("--appendfsync") + 1] in ("always", "everysec")
    assert any(str(v).endswith(":/data") for v in redis["volumes"])
    assert str(redis["volumes"][0]).split(":")[0] in COMPOSE["volumes"]  # a named volume
    assert "redis" in bot["depends_on"]
    assert bot["env_file"] == ".env"
    assert bot["build"] == "."
    assert bot["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert (REPO / ".env.example").exists()


def test_env_example_lists_every_setting() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    listed = {name for name in listed if not name.startswith("COMPOSE_")}  # compose's own
    assert listed == {name.upper() for name in Settings.model_fields}
    # a required setting is uncommented, so `docker compose up` fails loudly without it
    for name, field in Settings.model_fields.items():
        if field.is_required():
            assert re.search(rf"^{name.upper()}=", text, flags=re.MULTILINE), name


def test_the_readme_documents_every_setting() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    reference = readme.partition("## Configuration reference")[2].partition("\n## ")[0]
    assert reference, "README.md has a Configuration reference section"
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in reference, name
