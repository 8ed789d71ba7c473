"""What a complaint is about, for the reports: delivery, refund, hotline… (`shared.aspects`).

The shared word patterns name the candidate aspects; when they name one, that is the answer.
When they name several or none, the classifier's sentence encoder decides: the candidate whose
prototype (the mean embedding of its shipped example complaints) is nearest, or — none named —
the nearest aspect overall if it is near enough, else "other". Measured against held-out
labelled complaints in docs/reports.md: the encoder's choice is what lifts the share filed under
the right topic; the patterns keep it cheap (the encoder runs for the ambiguous half only).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.triage.domain.model.encoder import F32, Encoder
from shared.aspects import OTHER, aspects_of, taxonomy

EXAMPLES = Path(__file__).resolve().parents[1] / "models" / "aspect_examples.jsonl"
"""Complaints labelled with their aspects, German and English, ten a topic: the prototypes."""
NEAR_ENOUGH = 0.25
"""Cosine similarity below which a complaint no pattern names stays "other": complaints about
things outside the taxonomy (an advert, a sponsorship) scored 0.10-0.25 against the nearest
prototype, labelled ones 0.19-0.56 (docs/reports.md)."""


@dataclass(frozen=True)
class AspectPrototypes:
    ids: tuple[str, ...]
    vectors: F32
    """One unit-length row per id."""

    @classmethod
    def from_examples(
        cls, encoder: Encoder, examples: Sequence[tuple[str, str]]
    ) -> AspectPrototypes:
        """`examples`: (text, aspect id); every aspect of the taxonomy needs at least one."""
        ids = tuple(a.id for a in taxonomy())
        vectors = encoder.encode([text for text, _ in examples])
        rows = []
        for aspect in ids:
            mine = [i for i, (_, a) in enumerate(examples) if a == aspect]
            if not mine:
                raise ValueError(f"no example complaint for aspect {aspect!r} in {EXAMPLES}")
            mean = vectors[mine].mean(axis=0)
            rows.append(mean / np.linalg.norm(mean))
        return cls(ids, np.stack(rows).astype(np.float32))


def shipped_examples(path: Path = EXAMPLES) -> list[tuple[str, str]]:
    """(text, main aspect) of every line of the shipped example file."""
    rows = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows.append((str(row["text"]), str(row["aspects"][0])))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not an example complaint ({exc})") from exc
    return rows


def choose(named: tuple[str, ...], similarity: Sequence[float], ids: Sequence[str]) -> list[str]:
    """The aspects of one complaint, main first (pure).

    `named`: what the patterns name (most matched letters first, `("other",)` for none);
    `similarity`: the complaint's cosine similarity to each prototype, in `ids` order."""
    if named != (OTHER,):
        main = max(named, key=lambda a: similarity[ids.index(a)])
        return [main, *(a for a in named if a != main)]
    best = int(np.argmax(similarity))
    return [ids[best]] if similarity[best] >= NEAR_ENOUGH else []


class AspectAssigner:
    """Built once per process; without an encoder (CLASSIFIER_ENCODER=off) the patterns decide."""

    def __init__(self, encoder: Encoder | None, prototypes: AspectPrototypes | None) -> None:
        self._encoder = encoder
        self._prototypes = prototypes
        self.encoded = 0
        """Complaints the encoder embedded so far (their cost, for the benchmark)."""

    @classmethod
    def load(cls, encoder: Encoder | None) -> AspectAssigner:
        if encoder is None:
            return cls(None, None)
        return cls(encoder, AspectPrototypes.from_examples(encoder, shipped_examples()))

    def assign(self, texts: Sequence[str]) -> list[list[str]]:
        """Per complaint text, its aspects (main first; empty: "other"); one encoder call."""
        named = [aspects_of(t) for t in texts]
        answers: list[list[str]] = [[] if n == (OTHER,) else list(n) for n in named]
        unsure = [i for i, n in enumerate(named) if len(n) != 1 or n == (OTHER,)]
        if self._encoder is None or self._prototypes is None or not unsure:
            return answers
        p = self._prototypes
        similarity = self._encoder.encode([texts[i] for i in unsure]) @ p.vectors.T
        self.encoded += len(unsure)
        for row, i in zip(similarity, unsure, strict=True):
            answers[i] = choose(named[i], [float(s) for s in row], p.ids)
        return answers
