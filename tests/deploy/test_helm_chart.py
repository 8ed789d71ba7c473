"""The Helm chart, rendered by Helm's own engine (Helm's Go SDK through helm-python-sdk, no
cluster) and validated offline: built-in kinds against the Kubernetes 1.33 schemas (strict, with
kubernetes-validate), KEDA's and the Prometheus Operator's resources against the models generated
from their CRDs (@kubernetes-models, installed by `make test` into .cache/k8s-models)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import helm_python
import kubernetes_validate
import pytest
import yaml

from shared.settings import Settings
from shared.streams.names import Group, StreamNames

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "steam-connect"
MODELS = ROOT / ".cache" / "k8s-models"
KUBERNETES = "1.33.0"
CONSUMERS = {"triage": "comments", "responder": "decisions", "reporting": "decisions"}
SECRETS = {
    "secrets": {
        "REDIS_URL": "redis://redis:6379/0",
        "DATABASE_URL": "postgresql+asyncpg://sc:pw@postgres:5432/steam_connect",
        "INGEST_API_KEYS": "k1",
        "REPORTING_API_KEYS": "admin:ops:k2",
        "INBOX_SESSION_SECRET": "s3cret",
    }
}
KEDA = {
    **SECRETS,
    "autoscaling": {"engine": "keda", "redisAddress": "redis:6379", "redisPasswordKey": "REDIS_PW"},
    "serviceMonitor": {"enabled": True},
    "accounts": "accounts:\n  - platform: facebook\n    account_id: '1001'\n",
}


CLUSTER = {
    **SECRETS,
    "redisClusterNodes": "redis-0.redis:6379,redis-1.redis:6379,redis-2.redis:6379",
    "streamShards": 1,
    "autoscaling": {"engine": "keda"},
}


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    chart = helm_python.Chart.load(CHART)
    manifests = chart.render(values, name="sc", namespace="support", is_install=True)
    docs = []
    for text in manifests.values():
        docs += [doc for doc in yaml.safe_load_all(text) if doc]
    return docs


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def validate_builtin(docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        if "." in doc["apiVersion"].split("/")[0]:
            continue  # an API group with a domain: a custom resource, for validate_custom
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def validate_custom(docs: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "Node.js is needed to validate the chart's custom resources"
    assert (MODELS / ".installed-stamp").exists(), "run `make test` (it installs .cache/k8s-models)"
    custom = [d for d in docs if d["apiVersion"].startswith(("keda.sh/", "monitoring.coreos.com/"))]
    return subprocess.run(  # noqa: S603 - our own script, our own manifests
        [node, str(ROOT / "tests" / "deploy" / "validate_crds.mjs"), str(MODELS)],
        input=json.dumps(custom),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "values",
    [SECRETS, KEDA, {**SECRETS, "autoscaling": {"engine": "none"}, "streamShards": 1}, CLUSTER],
    ids=["defaults-offline", "keda", "fixed", "redis-cluster"],
)
def test_every_rendered_manifest_is_valid(values: dict[str, Any]) -> None:
    docs = render(values)
    validate_builtin(docs)
    checked = validate_custom(docs)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = helm_python.lint(CHART, values, strict=True, kube_version=f"v{KUBERNETES}")
    assert not report["errors"], report


def test_validators_refuse_a_broken_manifest() -> None:
    """The checks above can fail: a replica count that is no integer, a trigger list that is
    no list."""
    docs = render(KEDA)
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_builtin([deployment])
    scaled = next(d for d in docs if d["kind"] == "ScaledObject")
    scaled["spec"]["triggers"] = "redis"
    checked = validate_custom([scaled])
    assert checked.returncode == 1 and "INVALID" in checked.stdout


def test_each_service_is_a_probed_deployment_with_a_service_and_a_budget() -> None:
    docs = render(SECRETS)
    deployments = of_kind(docs, "Deployment")
    assert set(deployments) == {f"sc-steam-connect-{s}" for s in ("ingest", *CONSUMERS)}
    settings = Settings()
    for name, deployment in deployments.items():
        service = name.rsplit("-", 1)[1]
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["python", "-m", f"services.{service}"]
        port = getattr(settings, f"{service}_port")
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}, probe
        assert container["resources"]["requests"] and container["resources"]["limits"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["STREAM_SHARDS"] == "12" and env[f"{service.upper()}_PORT"] == str(port)
        fields = {f.upper() for f in Settings.model_fields}
        assert set(env) <= fields, set(env) - fields
    for kind in ("Service", "PodDisruptionBudget"):
        assert set(of_kind(docs, kind)) == set(deployments), kind
    config = of_kind(docs, "ConfigMap")["sc-steam-connect-config"]["data"]
    secret = of_kind(docs, "Secret")["sc-steam-connect-secrets"]["stringData"]
    assert (set(config) | set(secret)) <= {f.upper() for f in Settings.model_fields}
    [job] = of_kind(docs, "Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "steam-connect",
        "migrate",
    ]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"


def test_without_keda_each_consumer_scales_on_cpu() -> None:
    docs = render(SECRETS)  # offline: the cluster serves no keda.sh/v1alpha1
    assert not of_kind(docs, "ScaledObject") and not of_kind(docs, "ServiceMonitor")
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == {f"sc-steam-connect-{s}" for s in CONSUMERS}
    for hpa in hpas.values():
        assert hpa["spec"]["maxReplicas"] == 12  # more than the partitions would stand by
        [metric] = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
    replicas = {n: d["spec"].get("replicas") for n, d in of_kind(docs, "Deployment").items()}
    assert replicas["sc-steam-connect-ingest"] == 2
    assert all(replicas[f"sc-steam-connect-{s}"] is None for s in CONSUMERS), "the HPA owns it"


def test_with_keda_each_consumer_scales_on_the_lag_of_every_partition_of_its_input() -> None:
    docs = render(KEDA)
    assert not of_kind(docs, "HorizontalPodAutoscaler")
    names = StreamNames("sc", 12)
    for service, stream in CONSUMERS.items():
        scaled = of_kind(docs, "ScaledObject")[f"sc-steam-connect-{service}"]
        triggers = scaled["spec"]["triggers"]
        assert [t["type"] for t in triggers] == ["redis-streams"] * 12
        assert [t["metadata"]["stream"] for t in triggers] == list(
            names.partitions(getattr(names, stream))
        ), "the chart spells the partition keys as shared/streams/names.py does"
        assert {t["metadata"]["consumerGroup"] for t in triggers} == {str(Group(service))}
        assert {t["authenticationRef"]["name"] for t in triggers} == {"sc-steam-connect-redis"}
        assert scaled["spec"]["maxReplicaCount"] == 12
    assert of_kind(docs, "TriggerAuthentication")
    assert (
        of_kind(docs, "ServiceMonitor")["sc-steam-connect"]["spec"]["endpoints"][0]["path"]
        == "/metrics"
    )


def test_on_a_redis_cluster_services_and_keda_use_its_nodes_and_the_tagged_keys() -> None:
    docs = render(CLUSTER)
    names = StreamNames("sc", 1, cluster=True)
    for deployment in of_kind(docs, "Deployment").values():
        env = {
            e["name"]: e.get("value")
            for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        }
        assert env["REDIS_CLUSTER_NODES"] == CLUSTER["redisClusterNodes"]
        assert Settings(
            redis_cluster_nodes=env["REDIS_CLUSTER_NODES"], _env_file=None
        ).redis_cluster
    for service, stream in CONSUMERS.items():
        (trigger,) = of_kind(docs, "ScaledObject")[f"sc-steam-connect-{service}"]["spec"][
            "triggers"
        ]
        assert trigger["type"] == "redis-cluster-streams"
        assert trigger["metadata"]["addresses"] == CLUSTER["redisClusterNodes"]
        assert trigger["metadata"]["stream"] == names.partitions(getattr(names, stream))[0]
        assert trigger["metadata"]["stream"].endswith(":{sc-0}")  # tagged even with one shard


def test_keda_without_a_redis_address_is_refused_with_its_name() -> None:
    with pytest.raises(helm_python.HelmRenderError, match="autoscaling.redisAddress"):
        render({**SECRETS, "autoscaling": {"engine": "keda"}})
