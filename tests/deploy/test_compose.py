"""No Docker engine runs here, so the compose file is checked against the code it starts."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
APP_SERVICES = ("ingest", "triage", "responder", "reporting")
ONE_SHOT = {"migrate"}


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


def _services() -> dict[str, Any]:
    services: dict[str, Any] = _compose()["services"]
    return services


def _built_from_project(spec: dict[str, Any]) -> bool:
    return "build" in spec


def _settings_default_port(service: str) -> int:
    default: int = Settings.model_fields[f"{service}_port"].default
    return default


def test_the_four_services_migrate_and_the_infrastructure_are_defined() -> None:
    expected = {*APP_SERVICES, "migrate", "redis", "postgres", "prometheus", "grafana"}
    assert expected <= set(_services())


def test_redis_keeps_an_append_only_file() -> None:
    command = _services()["redis"]["command"]
    joined = " ".join(command) if isinstance(command, list) else command
    assert re.search(r"--appendonly\s+yes", joined)


@pytest.mark.parametrize("name", sorted(set(APP_SERVICES) | ONE_SHOT))
def test_each_command_runs_code_that_exists(name: str) -> None:
    command = _services()[name]["command"]
    assert isinstance(command, list), f"{name}: use the exec form so signals reach the process"
    if command[:2] == ["python", "-m"]:
        module = command[2]
        assert module == f"services.{name}"
        assert (ROOT / module.replace(".", "/") / "__main__.py").is_file()
    else:
        scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
        assert command[0] in scripts, f"{name}: console script {command[0]!r} is not defined"
        assert command[1] == "migrate"


def test_every_variable_the_services_set_is_a_settings_field() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    for name, spec in _services().items():
        if not _built_from_project(spec):
            continue
        unknown = set(spec.get("environment", {})) - fields
        assert not unknown, f"{name} sets variables Settings does not read: {sorted(unknown)}"


def test_the_consumer_services_run_replicas_over_partitioned_streams() -> None:
    services = _services()
    for name in ("triage", "responder", "reporting"):
        assert str(services[name]["deploy"]["replicas"]).startswith("${"), name
        assert services[name]["environment"]["STREAM_SHARDS"] == "${STREAM_SHARDS:-12}"
    assert "deploy" not in services["ingest"]  # stateless HTTP: scale it behind a balancer


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name, spec in _services().items():
        if name in ONE_SHOT:
            assert spec.get("restart") == "no", f"{name} is a one-shot job and must not restart"
            continue
        test = spec.get("healthcheck", {}).get("test")
        assert test, f"{name} has no healthcheck"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_ports_and_health_urls_match_the_settings_defaults(name: str) -> None:
    spec = _services()[name]
    port = _settings_default_port(name)
    published = {"ingest": [f"{port}:{port}"], "reporting": [f"{port}-{port + 5}:{port}"]}
    if name in published:
        assert spec["ports"] == published[name]
    else:  # replicas, reached by Prometheus only
        assert "ports" not in spec and spec["expose"] == [str(port)]
    assert spec["environment"][f"{name.upper()}_PORT"] == str(port)
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(spec["healthcheck"]["test"])
    assert spec["environment"]["HTTP_HOST"] == "0.0.0.0"  # noqa: S104 - inside the container


@pytest.mark.parametrize("name", APP_SERVICES)
def test_services_wait_for_healthy_servers_and_the_migration(name: str) -> None:
    depends = _services()[name]["depends_on"]
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_prometheus_scrapes_each_service_on_its_port() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {
        f"{host}:{group['port']}"
        for job in config["scrape_configs"]
        for group in job["dns_sd_configs"]
        for host in group["names"]
    }
    assert targets == {f"{name}:{_settings_default_port(name)}" for name in APP_SERVICES}
    for rule_file in config["rule_files"]:
        assert (DEPLOY / "prometheus" / Path(rule_file).name).is_file()


def test_alert_rules_use_metrics_the_code_defines() -> None:
    import importlib

    from prometheus_client import REGISTRY

    # Every module that defines metrics, so the check does not depend on which tests ran first.
    for module in ("shared.metrics", *(f"services.{s}.metrics" for s in APP_SERVICES)):
        importlib.import_module(module)
    known = {metric.name for metric in REGISTRY.collect()}
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            for metric in re.findall(r"\b(sc_[a-z_]+?)(?:_total)?\b", rule["expr"]):
                assert metric in known, f"alert {rule['alert']} uses unknown metric {metric}"


def test_grafana_is_provisioned_with_the_prometheus_datasource_and_a_dashboard() -> None:
    provisioning = DEPLOY / "grafana" / "provisioning"
    datasources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    assert datasources["datasources"][0]["url"] == "http://prometheus:9090"
    assert list((DEPLOY / "grafana" / "dashboards").glob("*.json"))


def test_dockerfile_installs_the_package_on_python_311() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install" in dockerfile
