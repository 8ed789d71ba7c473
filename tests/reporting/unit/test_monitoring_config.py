"""Prometheus config and alert rules pass promtool; dashboard and rules name only real metrics."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

import services
from shared.settings import PACKAGE_ROOT

PROMETHEUS = PACKAGE_ROOT / "deploy" / "prometheus"
DASHBOARD = PACKAGE_ROOT / "deploy" / "grafana" / "dashboards" / "steam-connect.json"
TOOLS = PACKAGE_ROOT / ".state" / "tools" / "prometheus"
METRIC = re.compile(r"\b(sc_[a-z0-9_]+|up)\b")


def _extract_promtool() -> Path:
    """Debian's `prometheus` package carries promtool; unpacked, nothing is installed."""
    with tempfile.TemporaryDirectory() as tmp:
        download = subprocess.run(
            ["apt-get", "download", "prometheus"], cwd=tmp, capture_output=True, text=True
        )
        debs = list(Path(tmp).glob("prometheus_*.deb"))
        if download.returncode != 0 or not debs:
            pytest.fail(
                "promtool is needed to check deploy/prometheus and could not be set up: "
                f"`apt-get download prometheus` said {download.stderr.strip()!r}. Install the "
                "`prometheus` package, put promtool on PATH, or run `apt-get update` first."
            )
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(TOOLS)], check=True)
    return TOOLS / "usr" / "bin" / "promtool"


@pytest.fixture(scope="session")
def promtool() -> Path:
    on_path = shutil.which("promtool")
    if on_path:
        return Path(on_path)
    local = TOOLS / "usr" / "bin" / "promtool"
    return local if local.exists() else _extract_promtool()


def _run(promtool: Path, *args: str, cwd: Path = PROMETHEUS) -> str:
    result = subprocess.run([str(promtool), *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def test_scrape_config_is_valid(promtool: Path, tmp_path: Path) -> None:
    """The rule file path is the container's; check a copy pointing at the repository's file."""
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    config["rule_files"] = [str(PROMETHEUS / "alerts.yml")]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    assert "SUCCESS" in _run(promtool, "check", "config", "prometheus.yml", cwd=tmp_path)


def test_alert_rules_are_valid(promtool: Path) -> None:
    assert "SUCCESS" in _run(promtool, "check", "rules", "alerts.yml")


def test_alert_rules_fire_as_their_unit_tests_expect(promtool: Path) -> None:
    assert "SUCCESS" in _run(promtool, "test", "rules", "alerts_test.yml")


def _defined_metrics() -> set[str]:
    """Every series name the code can expose: all services' metric modules plus shared ones."""
    for module in pkgutil.walk_packages(services.__path__, "services."):
        if module.name.endswith(".metrics"):
            importlib.import_module(module.name)
    importlib.import_module("shared.metrics")
    names = {"up"}
    for family in REGISTRY.collect():
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
        names.add(family.name)
        names.update(family.name + s for s in suffixes.get(family.type, ()))
    return names


def test_dashboard_and_rules_reference_only_defined_metrics() -> None:
    defined = _defined_metrics()
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    exprs += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    used = {m for e in exprs for m in METRIC.findall(e)}
    assert sorted(used - defined) == []
    for required in (
        "sc_reporting_comments_by_category_total",
        "sc_reporting_decisions_total",
        "sc_reporting_actions_total",
        "sc_reporting_sla_events_total",
        "sc_reporting_first_response_seconds_bucket",
        "sc_stream_lag",
        "sc_stream_pending",
        "sc_dead_letter_length",
        "sc_reporting_open_exchanges",
    ):
        assert required in used, f"the dashboard or the rules should show {required}"
