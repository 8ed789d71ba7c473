"""`make eval` on agents' corrections: the exported lines scored as triage labels them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.triage.domain.labelling import Labeller
from steam_connect.training.feedback_eval import evaluate, load
from tests.triage.factories import policy
from tests.triage.fakes import FakeClassifier

THREAT = "Ich weiß, wo du wohnst."
RUDE_COMPLAINT = "Die Lieferung ist wieder zu spät, ihr Clowns."


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    return path


def test_lines_without_text_are_skipped_and_a_broken_line_is_named(tmp_path: Path) -> None:
    good = _write(
        tmp_path / "f.ndjson",
        [{"id": "a", "text": THREAT, "threat": True}, {"id": "b", "text": None, "threat": False}],
    )
    assert [r["id"] for r in load(good)] == ["a"]
    broken = tmp_path / "broken.ndjson"
    broken.write_text('{"id": "a", "text": "x"}\n{oops\n')
    with pytest.raises(ValueError, match=r"broken.ndjson:2: not a JSON line"):
        load(broken)


def test_each_settled_flag_is_scored_against_the_labels_triage_gives() -> None:
    labeller = Labeller(
        FakeClassifier({RUDE_COMPLAINT: {"abuse.insult": 0.8, "complaint.product": 0.7}}),
        policy(),
    )
    rows: list[dict[str, object]] = [
        {"id": "1", "text": THREAT, "lang": "de", "threat": True},  # the model missed it
        {"id": "2", "text": RUDE_COMPLAINT, "lang": "de", "complaint": True, "abuse": False},
    ]
    result = evaluate(labeller, rows)
    assert result["rows"] == 2
    assert result["threat"]["confusion"] == [[0, 0], [1, 0]]  # one missed threat
    assert result["complaint"]["recall"][1] == 1.0
    assert result["abuse"]["confusion"] == [[0, 1], [0, 0]]  # hid a complaint for a rude word
    assert "spam" not in result  # no correction settled it
