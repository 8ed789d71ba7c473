"""The trained classifier: hashed n-gram features through logistic heads, mapped onto policy labels.

Heads (see docs/classifier.md): `lang_de`; `offensive_de` with `fine_de` (GermEval abuse /
insult / profanity); `offensive_en` with `hate_en` (Davidson hate vs offensive); `spam`;
`complaint` (English product reviews). Labels without training data score 0 here; the
HybridClassifier fills them from the lexicon rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from services.triage.domain.classification import LABELS, SENTIMENT, Classification
from services.triage.domain.model.artifact import (
    DEFAULT_MODEL_DIR,
    DEFAULT_MODEL_NAME,
    LoadedModel,
    ModelLoadError,
    load_model,
    logistic,
)
from services.triage.domain.model.features import featurize

F32 = npt.NDArray[np.float32]
REQUIRED_HEADS = ("lang_de", "offensive_de", "offensive_en", "fine_de", "hate_en", "spam",
                  "complaint")
LANGUAGES = ("de", "en")
CHUNK = 2048
"""Texts featurised together; bounds memory for large evaluation runs."""
CONFIDENT_LANG = 0.8
"""Below this probability for either language, the caller's fallback language decides."""
NEGATIVE_LABELS = tuple(
    label for label in LABELS if label not in ("positive", "neutral", "trivial")
)


class ModelClassifier:
    """Implements the triage `Classifier` protocol with the shipped weights; pure after loading."""

    def __init__(self, model: LoadedModel) -> None:
        missing = sorted(set(REQUIRED_HEADS) - {h.name for h in model.heads})
        if missing:
            raise ModelLoadError(f"model {model.version} lacks heads {missing}")
        self._model = model

    @classmethod
    def load(
        cls, directory: Path = DEFAULT_MODEL_DIR, name: str = DEFAULT_MODEL_NAME
    ) -> ModelClassifier:
        """Load and verify the shipped files (no pickle; SHA-256 pinned in the manifest)."""
        return cls(load_model(directory, name))

    @property
    def version(self) -> str:
        """Recorded beside decisions so a score can be traced to the weights that produced it."""
        return self._model.version

    def head_probabilities(self, texts: Sequence[str]) -> dict[str, F32]:
        """Every head's probabilities per text: binary heads by name, softmax heads by column."""
        if len(texts) <= CHUNK:
            return self._probabilities(texts)
        parts = [self._probabilities(texts[i : i + CHUNK]) for i in range(0, len(texts), CHUNK)]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def _probabilities(self, texts: Sequence[str]) -> dict[str, F32]:
        """One chunk: featurise, gather the weight rows, sum per text, squash per head."""
        rows = featurize(texts, self._model.spec)
        gathered = self._model.weights[rows.indices] * rows.data[:, None]
        logits = np.zeros((rows.n_rows, len(self._model.columns)), dtype=np.float32)
        starts = rows.indptr[:-1]
        filled = starts < rows.indptr[1:]
        if gathered.shape[0]:
            logits[filled] = np.add.reduceat(gathered, starts[filled], axis=0)
        logits += self._model.bias
        out: dict[str, F32] = {}
        col = 0
        for head in self._model.heads:
            block = logits[:, col : col + len(head.columns)]
            col += len(head.columns)
            if head.kind == "binary":
                out[head.name] = logistic(block[:, 0])
                continue
            exp = np.exp(block - block.max(axis=1, keepdims=True))
            probs = exp / exp.sum(axis=1, keepdims=True)
            for k, column in enumerate(head.columns):
                out[column] = probs[:, k].astype(np.float32)
        return out

    def classify_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Classification]:
        """Scores for every label, in input order; one featurisation and one gather per batch."""
        return [
            Classification(
                lang=lang, scores=finish_scores({k: round(v, 4) for k, v in scores.items()})
            )
            for lang, scores in self.raw_batch(items)
        ]

    def raw_batch(
        self, items: Sequence[tuple[str, str | None]]
    ) -> list[tuple[str, dict[str, float]]]:
        """Language and label probabilities before `neutral`/`sentiment` and rounding.

        What the HybridClassifier merges: it derives those two from the merged labels anyway.
        """
        if not items:
            return []
        probs = self.head_probabilities([text for text, _ in items])
        out = []
        for i, (_, fallback) in enumerate(items):
            lang = choose_language(float(probs["lang_de"][i]), fallback)
            out.append((lang, raw_label_scores(probs, i, lang)))
        return out


def choose_language(p_de: float, fallback: str | None) -> str:
    """The model's language when it is sure; else the account's language; else the likelier one."""
    if p_de >= CONFIDENT_LANG:
        return "de"
    if p_de <= 1.0 - CONFIDENT_LANG:
        return "en"
    if fallback in LANGUAGES:
        return str(fallback)
    return "de" if p_de >= 0.5 else "en"


def label_scores(probs: Mapping[str, F32], i: int, lang: str) -> dict[str, float]:
    """Map head probabilities of row i onto the policy labels, using the heads of `lang`."""
    raw = raw_label_scores(probs, i, lang)
    return finish_scores({k: round(v, 4) for k, v in raw.items()})


def raw_label_scores(probs: Mapping[str, F32], i: int, lang: str) -> dict[str, float]:
    """The label probabilities of row i, unrounded, without `neutral` and `sentiment`."""
    p = {name: float(values[i]) for name, values in probs.items()}
    scores = dict.fromkeys(LABELS, 0.0)
    if lang == "de":
        kinds = {
            "abuse.hate": p["fine_de.abuse"],
            "abuse.insult": p["fine_de.insult"],
            "abuse.profanity": p["fine_de.profanity"],
        }
        scores.update(split_offensive(p["offensive_de"], kinds))
    else:
        kinds = {"abuse.hate": p["hate_en"], "abuse.insult": 1.0 - p["hate_en"]}
        scores.update(split_offensive(p["offensive_en"], kinds))
        scores["complaint.product"] = p["complaint"]
    scores["abuse.spam"] = p["spam"]
    return scores


def split_offensive(offensive: float, kinds: Mapping[str, float]) -> dict[str, float]:
    """Offensive probability per kind, relative to the likeliest kind.

    The likeliest kind carries the whole offensive score, so "offensive" passing a threshold
    always shows as some abuse label passing it; a plain product (offensive × share) would
    split a clear 0.8 into three sub-threshold parts.
    """
    top = max(kinds.values())
    if top <= 0.0:
        return dict.fromkeys(kinds, 0.0)
    return {label: offensive * share / top for label, share in kinds.items()}


def finish_scores(scores: dict[str, float]) -> dict[str, float]:
    """Derive `neutral` and `sentiment` from the other labels (the lexicon classifier's formula)."""
    strongest = max(v for k, v in scores.items() if k not in ("neutral", SENTIMENT))
    scores["neutral"] = round(max(0.0, 1.0 - strongest), 4)
    negative = max(scores[label] for label in NEGATIVE_LABELS)
    sentiment = scores["positive"] - max(negative, scores["trivial"] / 2)
    scores[SENTIMENT] = round(max(-1.0, min(1.0, sentiment)), 4)
    return scores
