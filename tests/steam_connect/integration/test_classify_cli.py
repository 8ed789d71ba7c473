"""`steam-connect classify` as an operator runs it, with triage's real labeller."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _classify(stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "steam_connect.cli", "classify"],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_classify_labels_german_and_english_lines_in_order() -> None:
    lines = [
        {"text": "Mein Paket ist nie angekommen und der Mixer ist kaputt."},
        {"text": "lol who even buys this garbage, cope harder", "lang": "en"},
        {"text": "Ich bring euch um!"},
    ]
    result = _classify("".join(json.dumps(line) + "\n" for line in lines))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3
    assert set(rows[0]) == {"lang", "labels", "scores", "reasons"}
    assert all(set(r["reasons"]) == set(r["labels"]) for r in rows)
    assert rows[0]["lang"] == "de" and "complaint.product" in rows[0]["labels"]
    assert "troll" in rows[1]["labels"]
    assert "threat" in rows[2]["labels"]


def test_classify_stops_at_a_bad_line_and_names_it() -> None:
    result = _classify('{"text": "ok"}\n{broken\n')
    assert result.returncode == 2
    assert "line 2" in result.stderr
