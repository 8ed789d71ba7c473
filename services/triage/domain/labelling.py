"""Scores become labels through the policy's thresholds; the handler and the CLI share this path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.triage.domain.classification import Classifier

if TYPE_CHECKING:
    from services.triage.domain.policy import Policy


@dataclass(frozen=True)
class Labelled:
    """A classified text: the labels that pass the thresholds, and every score behind them."""

    lang: str
    labels: list[str]
    scores: dict[str, float]


class Labeller:
    """One classifier plus one policy: the same labels everywhere for the same text."""

    def __init__(self, classifier: Classifier, policy: Policy) -> None:
        self.classifier = classifier
        self.policy = policy

    def label_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Labelled]:
        """`items` are (text, fallback language); results come back in input order."""
        results = self.classifier.classify_batch(items)
        if len(results) != len(items):
            raise RuntimeError(f"classifier returned {len(results)} results for {len(items)} texts")
        return [
            Labelled(lang=r.lang, labels=self.policy.passing(dict(r.scores)), scores=dict(r.scores))
            for r in results
        ]
