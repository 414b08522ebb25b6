"""The Kubernetes manifests and the Dockerfile of deploy/ (docs/kubernetes.md), checked offline.

kubernetes-validate checks every object against the Kubernetes 1.28 schemas (strict: an
unknown or misspelt field fails); the rest checks that the pieces fit together: probes on
the routes the servers serve, every Secret key the pods need listed, the HPA on a real
Deployment, and a Dockerfile that hadolint accepts.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bot.settings import PROJECT_ROOT
from rasa_addons.channels.operations import LIVE_PATH, METRICS_PATH, READY_PATH

KUBERNETES = PROJECT_ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.28.0"
MANIFESTS = sorted(p for p in KUBERNETES.rglob("*.yaml") if p.name != "kustomization.yaml")
HADOLINT = Path(sys.executable).with_name("hadolint")


def objects(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def all_objects() -> Iterator[dict[str, Any]]:
    for path in MANIFESTS:
        yield from objects(path)


def named(kind: str, name: str) -> dict[str, Any]:
    return next(o for o in all_objects() if o["kind"] == kind and o["metadata"]["name"] == name)


def containers(kind: str, name: str) -> list[dict[str, Any]]:
    return list(named(kind, name)["spec"]["template"]["spec"]["containers"])


@pytest.mark.parametrize("path", MANIFESTS, ids=[str(p.relative_to(KUBERNETES)) for p in MANIFESTS])
def test_every_object_is_valid_kubernetes(path: Path) -> None:
    for item in objects(path):
        kubernetes_validate.validate(item, KUBERNETES_VERSION, strict=True)


def test_the_kustomizations_apply_every_manifest_but_the_secret_and_the_job() -> None:
    listed = set()
    for kustomization in KUBERNETES.rglob("kustomization.yaml"):
        spec = yaml.safe_load(kustomization.read_text(encoding="utf-8"))
        for resource in spec["resources"]:
            assert (kustomization.parent / resource).exists(), resource
            listed.add(kustomization.parent / resource)
    assert set(MANIFESTS) - listed == {KUBERNETES / "secret.example.yaml", KUBERNETES / "migrate-job.yaml"}


def test_the_rasa_servers_are_probed_and_scraped_where_they_answer() -> None:
    (rasa,) = containers("Deployment", "recovery-bot-rasa")
    assert rasa["livenessProbe"]["httpGet"]["path"] == LIVE_PATH
    assert rasa["startupProbe"]["httpGet"]["path"] == LIVE_PATH
    assert rasa["readinessProbe"]["httpGet"]["path"] == READY_PATH
    annotations = named("Deployment", "recovery-bot-rasa")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == METRICS_PATH
    (actions,) = containers("Deployment", "recovery-bot-actions")
    assert actions["readinessProbe"]["httpGet"]["path"] == "/health"  # rasa_sdk's, open without the token


def test_every_secret_a_pod_needs_is_in_the_example_secret() -> None:
    secret = named("Secret", "recovery-bot")["stringData"]
    needed = set()
    for item in all_objects():
        for match in re.finditer(r"'secretKeyRef': \{'name': 'recovery-bot', 'key': '(\w+)'\}", str(item)):
            needed.add(match.group(1))  # the optional ones (optional: true) do not match
    assert needed and needed <= set(secret)


def test_the_autoscalers_scale_real_deployments_on_cpu() -> None:
    autoscalers = [o for o in all_objects() if o["kind"] == "HorizontalPodAutoscaler"]
    assert {a["spec"]["scaleTargetRef"]["name"] for a in autoscalers} == {
        "recovery-bot-rasa",
        "recovery-bot-actions",
    }
    for autoscaler in autoscalers:
        named("Deployment", autoscaler["spec"]["scaleTargetRef"]["name"])
        assert autoscaler["spec"]["metrics"][0]["resource"]["name"] == "cpu"
        assert autoscaler["spec"]["minReplicas"] >= 2


def test_the_dockerfile_builds_on_the_official_python_image_and_passes_hadolint() -> None:
    dockerfile = PROJECT_ROOT / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    assert "FROM python:3.10-slim" in text
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, flags=re.MULTILINE):
        for path in source.split():
            assert (PROJECT_ROOT / path).exists(), f"the Dockerfile copies {path}, which does not exist"
    lint = subprocess.run([str(HADOLINT), str(dockerfile)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
