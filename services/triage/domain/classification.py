"""The classifier interface, kept apart so the lexicon classifier can be swapped for a model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from shared.labels import LABELS

__all__ = ["LABELS", "SENTIMENT", "Classification", "Classifier"]

SENTIMENT = "sentiment"
"""Extra score key, in [-1, 1]: below zero is negative."""


@dataclass(frozen=True)
class Classification:
    """Scores for one text: every label in LABELS plus `sentiment`; `lang` is what was assumed."""

    lang: str
    scores: Mapping[str, float]


class Classifier(Protocol):
    """Anything that scores a batch of (text, fallback language) pairs, in input order."""

    def classify_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Classification]: ...
