"""Why a comment got its labels: the model heads behind them, the lexicon rules that fired, and
the nearest hand-labelled examples of the seed set — for an agent asking "why was this hidden?".

Not on triage's hot path: `steam-connect classify` asks for it, after the labeller that triage
uses. The examples are the project's own brand-page seed set (Apache-2.0, shipped with the
package), embedded once at start; each comment is embedded once for both its head scores and its
neighbours.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from services.triage.domain.labelling import Labelled
from services.triage.domain.model.classifier import F32, ModelClassifier, offensive_of
from services.triage.domain.model.hybrid import HybridClassifier
from steam_connect.training import data

SEED_FILE = data.path_of(data.BRANDPAGE_TRAIN)
NEAREST = 2
HEAD_OF: Mapping[str, str] = {
    "abuse.hate": "hate",
    "threat": "threat",
    "abuse.spam": "spam",
    "complaint.product": "complaint",
    "complaint.customer_service": "complaint",
    "complaint.social_media": "complaint",
    "positive": "positive",
}
"""The model head behind each label; abuse kinds are the offensive head of the language."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    labels: tuple[str, ...]


class Explainer:
    """Reasons per label for labelled comments; the encoder finds the nearest seed examples."""

    def __init__(self, hybrid: HybridClassifier, seed_file: Path = SEED_FILE) -> None:
        self._hybrid = hybrid
        self._model: ModelClassifier = hybrid.model
        self._examples: list[Example] = []
        self._vectors: F32 | None = None
        encoder = self._model.encoder
        if encoder is not None and seed_file.is_file():
            rows = [json.loads(line) for line in seed_file.read_text("utf-8").splitlines() if line]
            self._examples = [Example(r["id"], r["text"], tuple(r["labels"])) for r in rows]
            self._vectors = encoder.encode([e.text for e in self._examples])

    def explain(
        self, items: Sequence[tuple[str, str | None]], labelled: Sequence[Labelled]
    ) -> list[dict[str, list[str]]]:
        """One {label: [reasons]} per comment, for the labels it carries."""
        texts = [t for t, _ in items]
        encoder = self._model.encoder
        vectors = encoder.encode(texts) if encoder is not None else None
        heads = self._model.head_probabilities(texts, vectors)
        out = []
        for i, (text, lab) in enumerate(zip(texts, labelled, strict=True)):
            head = {k: float(v[i]) for k, v in heads.items()}
            hits = self._hybrid.rules.rule_hits(text, lab.lang, lab.labels)
            reasons: dict[str, list[str]] = {}
            for label in lab.labels:
                why = [*self._head_reason(label, head, lab.lang), *hits.get(label, [])]
                if vectors is not None and self._vectors is not None:
                    why += self._nearest(label, vectors[i])
                reasons[label] = why
            out.append(reasons)
        return out

    @staticmethod
    def _head_reason(label: str, head: Mapping[str, float], lang: str) -> list[str]:
        if label.startswith("abuse.") and label not in HEAD_OF:
            return [f"model.offensive_{lang} {offensive_of(head, lang):.2f}"]
        name = HEAD_OF.get(label)
        return [f"model.{name} {head[name]:.2f}"] if name else []

    def _nearest(self, label: str, vector: F32) -> list[str]:
        assert self._vectors is not None  # noqa: S101 - only called when the seed set is loaded
        similarity = self._vectors @ vector
        order: Any = np.argsort(-similarity)
        found = []
        for j in order:
            example = self._examples[int(j)]
            if label in example.labels:
                found.append(f"like {example.id} ({similarity[j]:.2f}): {example.text[:80]}")
                if len(found) == NEAREST:
                    break
        return found
