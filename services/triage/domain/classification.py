"""The classifier interface, kept apart so the lexicon classifier can be swapped for a model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

LABELS: tuple[str, ...] = (
    "complaint.product",
    "complaint.customer_service",
    "complaint.social_media",
    "trivial",
    "troll",
    "abuse.spam",
    "abuse.insult",
    "abuse.aggression",
    "abuse.profanity",
    "abuse.hate",
    "abuse.blasphemy",
    "abuse.conspiracy",
    "threat",
    "positive",
    "neutral",
)
"""Every label the policy can refer to; each classifier scores all of them in [0, 1]."""

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
