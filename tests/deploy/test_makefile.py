"""Every documented make target plans its real command, whatever the work tree's timestamps say.

`make bench` once printed "'bench' is up to date" and ran nothing: the target shares its name with
the bench/ folder and was not phony. These tests dry-run each documented target (`make -n`, which
executes nothing) in a copy of the Makefile beside files named like every target and newer than
everything else, so a target that is not phony would be skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED = re.compile(r"^([a-z-]+):.*## ", re.MULTILINE)

# What each target must plan; a target documented in the Makefile but missing here fails below.
PLANNED = {
    "help": "grep -E",
    "run": "steam-connect run",
    "services": "steam-connect services",
    "test": "pytest",
    "bench": "python -m bench.run",
    "lint": "ruff check",
    "train": "python -m steam_connect.training.train",
    "eval": "python -m steam_connect.training.evaluate",
    "migrate": "steam-connect migrate",
    "up": "up -d --build",
    "down": "down",
    "clean": "rm -rf",
}


def documented_targets() -> list[str]:
    return DOCUMENTED.findall((ROOT / "Makefile").read_text())


def test_every_documented_target_has_an_expected_command() -> None:
    assert sorted(documented_targets()) == sorted(PLANNED)


@pytest.fixture(scope="module")
def shadowed_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Makefile and pyproject, an installed-looking venv, and a fresh file per target name."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    where = tmp_path_factory.mktemp("checkout")
    shutil.copy(ROOT / "Makefile", where / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    stamp = where / ".venv" / ".installed-stamp"
    (where / ".venv" / "bin").mkdir(parents=True)
    (where / ".venv" / "bin" / "python").touch()
    stamp.touch()
    models = where / "tests" / "deploy" / "k8s-models.json"  # the chart validators' set-up,
    models.parent.mkdir(parents=True)  # installed already
    shutil.copy(ROOT / "tests" / "deploy" / "k8s-models.json", models)
    (where / ".cache" / "k8s-models").mkdir(parents=True)
    (where / ".cache" / "k8s-models" / ".installed-stamp").touch()
    for target in PLANNED:
        (where / target).mkdir()  # newer than the stamp: a non-phony target would be "up to date"
    return where


@pytest.mark.parametrize("target", sorted(PLANNED))
def test_dry_run_plans_the_real_command(target: str, shadowed_checkout: Path) -> None:
    planned = subprocess.run(
        ["make", "-n", target, "CHROMEDRIVER=/bin/sh"],  # the browser install is test's own step
        cwd=shadowed_checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    assert planned.returncode == 0, planned.stderr
    assert "up to date" not in planned.stdout + planned.stderr
    assert PLANNED[target] in planned.stdout, planned.stdout
