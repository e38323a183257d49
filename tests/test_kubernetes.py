"""deploy/kubernetes, checked so it cannot rot: every manifest validates against the
Kubernetes API schemas (`kubernetes-validate`, which ships them: no network), strictly (an
unknown field fails); kustomization.yaml lists files that exist; the Deployment keeps what an
operator relies on — two non-root replicas on a read-only root filesystem, no privilege
escalation, resources, /livez and /readyz probes, the policy from its ConfigMap, credentials
from the Secret, settings regbot knows — and the policy in the ConfigMap is a valid policy."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bot.policy.model import Policy
from bot.runtime.settings import Settings
from tests.serving import REPO

DEPLOY = REPO / "deploy" / "kubernetes"
OLDEST = "1.30.0"  # the oldest Kubernetes release still maintained when this was written
VERSIONS = (OLDEST, kubernetes_validate.latest_version())
SENTINEL = {"REDIS_SENTINELS", "REDIS_SENTINEL_MASTER"}  # from the Sentinel work, commented


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


MANIFESTS = sorted(p for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml")
KUSTOMIZATION = documents(DEPLOY / "kustomization.yaml")[0]


def by_kind(kind: str) -> dict[str, Any]:
    [found] = [d for p in MANIFESTS for d in documents(p) if d["kind"] == kind]
    return found


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_manifest_validates_strictly(path: Path, version: str) -> None:
    for document in documents(path):
        kubernetes_validate.validate(document, version, strict=True)


def test_the_validation_can_fail() -> None:
    deployment = copy.deepcopy(by_kind("Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContxt"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, OLDEST, strict=True)


def test_the_kustomization_lists_existing_files_and_no_secret() -> None:
    resources = KUSTOMIZATION["resources"]
    assert all((DEPLOY / r).is_file() for r in resources)
    assert "secret.example.yaml" not in resources  # real credentials do not go in git
    listed = {p.name for p in MANIFESTS} - {"secret.example.yaml"}
    assert set(resources) == listed


def test_the_deployment_is_what_an_operator_relies_on() -> None:
    deployment = by_kind("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    security = container["securityContext"]

    assert deployment["spec"]["replicas"] == 2
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    resources = container["resources"]
    assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["terminationGracePeriodSeconds"] >= 35  # regbot's own shutdown takes ~30 s
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert mounts["policy"]["mountPath"] == "/etc/regbot" and mounts["policy"]["readOnly"]
    names = {d["metadata"]["name"] for p in MANIFESTS for d in documents(p)}
    assert volumes["policy"]["configMap"]["name"] == "regbot-policy" and "regbot-policy" in names
    tmp = next(n for n, m in mounts.items() if m["mountPath"] == "/tmp")  # noqa: S108
    assert "emptyDir" in volumes[tmp]  # the image's working directory, writable
    refs = {k: v["name"] for ref in container["envFrom"] for k, v in ref.items()}
    assert refs == {"configMapRef": "regbot-settings", "secretRef": "regbot-credentials"}


def test_settings_and_secret_carry_only_what_regbot_reads() -> None:
    known = {name.upper() for name in Settings.model_fields}
    settings = next(
        d for p in MANIFESTS for d in documents(p) if d["metadata"]["name"] == "regbot-settings"
    )
    secret = by_kind("Secret")
    assert set(settings["data"]) <= known
    assert set(secret["stringData"]) <= known
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"} <= set(secret["stringData"])
    assert not {k for k in settings["data"] if "TOKEN" in k or "SECRET" in k}
    text = (DEPLOY / "configmap-settings.yaml").read_text(encoding="utf-8")
    for name in SENTINEL:  # the Sentinel variant, commented until it is supported
        assert f"# {name}: " in text
    assert settings["data"]["REGBOT_POLICY"] == "/etc/regbot/policy.yml"


def test_the_policy_configmap_is_a_valid_policy() -> None:
    policy_map = next(
        d for p in MANIFESTS for d in documents(p) if d["metadata"]["name"] == "regbot-policy"
    )
    policy = Policy.from_mapping(yaml.safe_load(policy_map["data"]["policy.yml"]))
    assert policy.registries  # it says who approves what
