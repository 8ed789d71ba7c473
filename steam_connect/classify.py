"""`steam-connect classify`: run triage's labeller over JSON lines, for tuning the lexicons.

Input lines are `{"text": ..., "lang": optional}`; output is one `{"lang", "labels", "scores",
"reasons"}` line per input line, in order: `reasons` gives, per label, the model head and score
behind it, the lexicon rule ids that fired and the nearest hand-labelled seed examples (omitted
with `--no-reasons`). A bad input line stops the run with its line number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol, TextIO

BATCH = 1_000


class LabelledLike(Protocol):
    lang: str
    labels: Any
    scores: Any


class LabellerLike(Protocol):
    def label_batch(self, items: Sequence[tuple[str, str | None]]) -> Sequence[Any]: ...


class ExplainerLike(Protocol):
    def explain(
        self, items: Sequence[tuple[str, str | None]], labelled: Sequence[Any]
    ) -> Sequence[dict[str, list[str]]]: ...


class BadInput(ValueError):
    """An input line the labeller cannot take; carries the line number for the operator."""


def parse_item(number: int, raw: str) -> tuple[str, str | None]:
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadInput(f"line {number}: not JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        raise BadInput(f'line {number}: expected an object with a string "text" field')
    lang = body.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise BadInput(f'line {number}: "lang" must be a string or absent')
    return body["text"], lang


def read_batches(lines: Iterable[str], size: int = BATCH) -> Iterator[list[tuple[str, str | None]]]:
    """Blank lines are skipped; everything else must parse."""
    batch: list[tuple[str, str | None]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        batch.append(parse_item(number, raw))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def render(labelled: LabelledLike, reasons: dict[str, list[str]] | None = None) -> str:
    scores = {str(k): float(v) for k, v in dict(labelled.scores).items()}
    body: dict[str, Any] = {
        "lang": labelled.lang,
        "labels": list(labelled.labels),
        "scores": scores,
    }
    if reasons is not None:
        body["reasons"] = reasons
    return json.dumps(body, ensure_ascii=False)


def classify(
    labeller: LabellerLike,
    source: Iterable[str],
    out: TextIO,
    size: int = BATCH,
    explainer: ExplainerLike | None = None,
) -> int:
    """Writes one output line per input line; returns how many were classified."""
    count = 0
    for batch in read_batches(source, size):
        results = labeller.label_batch(batch)
        if len(results) != len(batch):
            raise RuntimeError(f"labeller returned {len(results)} results for {len(batch)} inputs")
        reasons = explainer.explain(batch, results) if explainer else [None] * len(results)
        for labelled, why in zip(results, reasons, strict=True):
            out.write(render(labelled, why) + "\n")
        out.flush()
        count += len(batch)
    return count
