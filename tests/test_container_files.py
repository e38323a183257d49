"""Dockerfile, compose.yaml and .env.example, checked without a Docker engine: what can be
read from the files — pinned base image, non-root user, health check, command, the paths
copied exist, the dependency layer comes before the code, Redis persists, every setting is
listed for the operator."""

from __future__ import annotations

import json
import re
import shlex
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
    assert "/healthz" in health
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
