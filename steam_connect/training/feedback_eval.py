"""The classifier scored on agents' corrections (`steam-connect feedback export`), in `make eval`.

Corrections are the closest thing to the brand's own test set: comments from its pages, judged
by its agents. They are biased — agents correct what looked wrong — so they show where the
classifier fails on this brand, not its overall quality; the tables say how many rows each
number rests on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from services.reporting.domain.feedback import FLAGS
from services.triage.domain.labelling import Labeller
from steam_connect.training.metrics import binary_report

DEFAULT_FEEDBACK = Path("var/feedback.ndjson")
"""Where `steam-connect feedback export -o var/feedback.ndjson` leaves the corrections."""


def load(path: Path) -> list[dict[str, Any]]:
    """The lines that can be scored: with the comment's text (a deleted comment has none)."""
    rows: list[dict[str, Any]] = []
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not a JSON line ({exc.msg})") from exc
        if isinstance(row.get("text"), str) and row["text"]:
            rows.append(row)
    return rows


def evaluate(labeller: Labeller, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per flag (threat, abuse, complaint, spam, troll) the corrections settled: P/R/F1 of the
    labels as triage acts on them against what the agents said."""
    labelled = labeller.label_batch([(str(r["text"]), r.get("lang")) for r in rows])
    out: dict[str, Any] = {"rows": len(rows)}
    for flag, members in FLAGS.items():
        keep = [i for i, r in enumerate(rows) if isinstance(r.get(flag), bool)]
        if not keep:
            continue
        gold = np.array([int(rows[i][flag]) for i in keep], dtype=np.int64)
        pred = np.array(
            [int(any(m in labelled[i].labels for m in members)) for i in keep], dtype=np.int64
        )
        out[flag] = {"rows": len(keep), "positives": int(gold.sum()), **binary_report(gold, pred)}
    return out


def print_report(path: Path, result: dict[str, Any]) -> None:
    print(f"\n## agents' corrections — {path}, {result['rows']} comments with text")
    for flag in FLAGS:
        if flag not in result:
            continue
        r = result[flag]
        print(
            f"   {flag:<10} {r['rows']:>5} rows ({r['positives']} yes)  "
            f"P(yes) {r['precision'][1]:.3f}  R(yes) {r['recall'][1]:.3f}  "
            f"F1(yes) {r['f1'][1]:.3f}  agreement {r['accuracy']:.3f}  "
            f"confusion [[tn fp] [fn tp]] {r['confusion']}"
        )
