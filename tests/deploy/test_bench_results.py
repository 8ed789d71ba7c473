"""`make bench` keeps every run where runs are compared, never in the tracked tree."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from bench.run import RESULTS_DIR, ROOT, git_commit, write_results


def test_each_run_gets_its_own_file_and_latest_points_at_the_newest(tmp_path: Path) -> None:
    first = write_results({"end_to_end": 1.0}, tmp_path)
    second = write_results({"end_to_end": 2.0}, tmp_path)
    assert json.loads(first.read_text()) == {"end_to_end": 1.0}
    assert json.loads((tmp_path / "latest.json").read_text()) == {"end_to_end": 2.0}
    assert second.parent == tmp_path and second.name.endswith("Z.json")


def test_results_land_in_a_git_ignored_folder() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(RESULTS_DIR / "latest.json")], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0


def test_the_commit_is_recorded() -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert git_commit().removesuffix("-dirty") == head
