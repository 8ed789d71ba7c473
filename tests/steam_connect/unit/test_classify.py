"""Classify's I/O: one output line per input line, in order, batched; bad input names its line."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from steam_connect.classify import BadInput, classify


@dataclass(frozen=True)
class Result:
    lang: str
    labels: list[str]
    scores: dict[str, float]


class LengthLabeller:
    """Labels by text length, and remembers the batch sizes it was given."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def label_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Result]:
        self.batches.append(len(items))
        return [Result(lang or "de", [f"len{len(t)}"], {"x": len(t) / 10}) for t, lang in items]


def test_outputs_follow_inputs_in_order_across_batches() -> None:
    source = ['{"text": "a"}', '{"text": "bb", "lang": "en"}', "", '{"text": "ccc"}']
    out = io.StringIO()
    labeller = LengthLabeller()
    assert classify(labeller, source, out, size=2) == 3
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["labels"] for r in rows] == [["len1"], ["len2"], ["len3"]]
    assert rows[1] == {"lang": "en", "labels": ["len2"], "scores": {"x": 0.2}}
    assert labeller.batches == [2, 1]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{nope", "line 2: not JSON"),
        ('{"txt": "a"}', 'line 2: expected an object with a string "text"'),
        ('{"text": "a", "lang": 5}', 'line 2: "lang" must be'),
    ],
)
def test_a_bad_line_is_named_by_number(line: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        classify(LengthLabeller(), ['{"text": "ok"}', line], io.StringIO())
