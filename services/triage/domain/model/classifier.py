"""The trained classifier: n-gram and sentence-encoder heads, calibrated, mapped onto policy labels.

Heads (see docs/classifier.md): `lang_de`; `offensive_de` / `offensive_en` (n-grams of their
language, one multilingual encoder half shared by both); `fine_de` (GermEval insult / profanity /
group abuse); `hate`, `threat`, `spam`, `complaint`, `troll`, `conspiracy`, `sarcasm`, `positive`
(multilingual; troll and conspiracy learn from the seed set only). Every
binary score is calibrated: 0.9 means about 9 in 10 on held-out rows.

The encoder costs ~100× the n-grams, so by default it runs as a cascade: a comment is encoded
only when one of the action-deciding heads' n-gram scores lies inside the manifest's
`cascade_band` (the offensive head of the comment's language only, when the language is sure);
the others keep their (separately calibrated) n-gram score. The band reaches above the 0.5 label
threshold to the removal bars (0.7–0.85 in the policy): a hide or block is where the better score
matters most. Labels without trained heads score 0
here; the HybridClassifier fills them from the lexicon rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

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
from services.triage.domain.model.encoder import Encoder, UseEncoder
from services.triage.domain.model.features import featurize

F32 = npt.NDArray[np.float32]
EncoderMode = Literal["cascade", "always", "off"]
REQUIRED_HEADS = (
    "lang_de",
    "offensive_de",
    "offensive_en",
    "fine_de",
    "hate",
    "threat",
    "spam",
    "complaint",
    "troll",
    "conspiracy",
    "sarcasm",
    "positive",
)
LANGUAGES = ("de", "en")
CHUNK = 2048
"""Texts featurised together; bounds memory for large evaluation runs."""
CONFIDENT_LANG = 0.8
"""Below this probability for either language, the caller's fallback language decides."""
CASCADE_HEADS = (
    "offensive_de",
    "offensive_en",
    "hate",
    "threat",
    "spam",
    "complaint",
    "conspiracy",
)
"""Heads whose doubt sends a comment to the encoder: those that decide actions. Sarcasm and
praise are rarely sure of anything and would send every comment."""
OTHER_LANGUAGE_HEAD = {"de": "offensive_en", "en": "offensive_de"}
"""Ignored for the cascade when the comment's language is sure: English n-grams on German text
(and the reverse) are unsure of nearly everything and decide nothing."""
NEGATIVE_LABELS = tuple(
    label for label in LABELS if label not in ("positive", "neutral", "trivial")
)


class ModelClassifier:
    """Implements the triage `Classifier` protocol with the shipped weights; pure after loading."""

    def __init__(
        self, model: LoadedModel, encoder: Encoder | None = None, mode: EncoderMode = "cascade"
    ) -> None:
        missing = sorted(set(REQUIRED_HEADS) - {h.name for h in model.heads})
        if missing:
            raise ModelLoadError(f"model {model.version} lacks heads {missing}")
        if mode != "off" and encoder is None:
            raise ModelLoadError(f"encoder mode {mode!r} needs an encoder; pass mode='off'")
        self._model = model
        self._encoder = encoder if mode != "off" else None
        self._mode = mode
        low, high = model.manifest["cascade_band"]
        self._band = (float(low), float(high))
        self._fused = np.array([h.fused for h in model.heads for _ in h.columns], dtype=bool)
        names = [h.name for h in model.heads for _ in h.columns]
        self._deciding = np.array([n in CASCADE_HEADS for n in names], dtype=bool)
        self._lang_column = names.index("lang_de")
        self._other_language_offensive = {
            lang: names.index(head) for lang, head in OTHER_LANGUAGE_HEAD.items()
        }
        self.encoded = 0
        """Texts the encoder has embedded so far (the cascade's cost, for the benchmark)."""

    @classmethod
    def load(
        cls,
        directory: Path = DEFAULT_MODEL_DIR,
        name: str = DEFAULT_MODEL_NAME,
        mode: EncoderMode = "cascade",
    ) -> ModelClassifier:
        """Load and verify the shipped files (no pickle; SHA-256 of both halves pinned)."""
        model = load_model(directory, name)
        encoder = None
        if mode != "off":
            encoder = UseEncoder(expected_sha256=model.manifest["encoder"]["weights_sha256"])
        return cls(model, encoder, mode)

    @property
    def version(self) -> str:
        """Recorded beside decisions so a score can be traced to the weights that produced it."""
        return self._model.version

    @property
    def encoder(self) -> Encoder | None:
        return self._encoder

    def head_probabilities(
        self, texts: Sequence[str], vectors: F32 | None = None
    ) -> dict[str, F32]:
        """Every head's calibrated probabilities per text; softmax heads by column.

        `vectors`: the texts' embeddings when the caller has them already (not encoded again).
        """
        if len(texts) <= CHUNK:
            return self._probabilities(texts, vectors)
        parts = [
            self._probabilities(
                texts[i : i + CHUNK], None if vectors is None else vectors[i : i + CHUNK]
            )
            for i in range(0, len(texts), CHUNK)
        ]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def _ngram_logits(self, texts: Sequence[str]) -> F32:
        rows = featurize(texts, self._model.spec)
        gathered = self._model.weights[rows.indices] * rows.data[:, None]
        logits = np.zeros((rows.n_rows, len(self._model.columns)), dtype=np.float32)
        starts = rows.indptr[:-1]
        filled = starts < rows.indptr[1:]
        if gathered.shape[0]:
            logits[filled] = np.add.reduceat(gathered, starts[filled], axis=0)
        logits += self._model.bias
        return logits

    def _probabilities(self, texts: Sequence[str], given: F32 | None) -> dict[str, F32]:
        """One chunk: n-gram logits; calibrate; encode the unsure rows and fuse those."""
        logits = self._ngram_logits(texts)
        cal = self._model.calibration
        binary = logistic(cal[:, 0] * logits + cal[:, 1])
        unsure = self.needs_encoding(binary)
        if unsure.any() and self._encoder is not None:
            if given is not None:
                vectors = given[unsure]
            else:
                picked = [texts[int(i)] for i in np.flatnonzero(unsure)]
                vectors = self._encoder.encode(picked)
                self.encoded += len(picked)
            p_ng = logistic(logits[unsure])
            p_enc = logistic(vectors @ self._model.enc_weights + self._model.enc_bias)
            fused = np.clip((p_ng + p_enc) / 2, 1e-6, 1 - 1e-6)
            fused_logit = np.log(fused / (1 - fused))
            calibrated = logistic(cal[:, 2] * fused_logit + cal[:, 3])
            block = binary[unsure]
            block[:, self._fused] = calibrated[:, self._fused]
            binary[unsure] = block
        return self._by_head(logits, binary)

    def needs_encoding(self, binary: F32) -> npt.NDArray[np.bool_]:
        """Per row of calibrated n-gram scores (columns as in the manifest): encode this comment?"""
        if self._encoder is None:
            return np.zeros(binary.shape[0], dtype=bool)
        if self._mode == "always":
            return np.ones(binary.shape[0], dtype=bool)
        low, high = self._band
        inside = (binary > low) & (binary < high) & self._deciding
        p_de = binary[:, self._lang_column]
        inside[p_de >= CONFIDENT_LANG, self._other_language_offensive["de"]] = False
        inside[p_de <= 1.0 - CONFIDENT_LANG, self._other_language_offensive["en"]] = False
        return np.asarray(inside.any(axis=1), dtype=bool)

    def _by_head(self, logits: F32, binary: F32) -> dict[str, F32]:
        out: dict[str, F32] = {}
        col = 0
        for head in self._model.heads:
            width = len(head.columns)
            if head.kind == "binary":
                out[head.name] = binary[:, col].astype(np.float32)
            else:
                block = logits[:, col : col + width]
                exp = np.exp(block - block.max(axis=1, keepdims=True))
                probs = exp / exp.sum(axis=1, keepdims=True)
                for k, column in enumerate(head.columns):
                    out[column] = probs[:, k].astype(np.float32)
            col += width
        return out

    def classify_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Classification]:
        """Scores for every label, in input order; one featurisation and one gather per batch."""
        return [
            Classification(
                lang=lang, scores=finish_scores({k: round(v, 4) for k, v in scores.items()})
            )
            for lang, scores, _ in self.raw_batch(items)
        ]

    def raw_batch(
        self, items: Sequence[tuple[str, str | None]]
    ) -> list[tuple[str, dict[str, float], dict[str, float]]]:
        """Language, label probabilities (before `neutral`/`sentiment`) and head probabilities.

        What the HybridClassifier merges: it derives `neutral` and `sentiment` itself.
        """
        if not items:
            return []
        probs = self.head_probabilities([text for text, _ in items])
        out = []
        for i, (_, fallback) in enumerate(items):
            heads = {name: float(values[i]) for name, values in probs.items()}
            lang = choose_language(heads["lang_de"], fallback)
            out.append((lang, label_probabilities(heads, lang), heads))
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


def offensive_of(heads: Mapping[str, float], lang: str) -> float:
    """The offensive head of the comment's language."""
    return heads["offensive_de"] if lang == "de" else heads["offensive_en"]


def label_probabilities(heads: Mapping[str, float], lang: str) -> dict[str, float]:
    """Head probabilities onto policy labels (the model alone; the hybrid refines the kinds).

    German offensive text is split into insult and profanity by GermEval's fine head (its
    group-directed "abuse" counts as insult: hate has a head of its own); English offensive text
    counts as insult. A complaint counts as a product complaint until the lexicon says which kind.
    """
    scores = dict.fromkeys(LABELS, 0.0)
    offensive = offensive_of(heads, lang)
    if lang == "de":
        kinds = {
            "abuse.insult": heads["fine_de.insult"] + heads["fine_de.abuse"],
            "abuse.profanity": heads["fine_de.profanity"],
        }
        scores.update(split_offensive(offensive, kinds))
    else:
        scores["abuse.insult"] = offensive
    scores["abuse.hate"] = heads["hate"]
    scores["threat"] = heads["threat"]
    scores["abuse.spam"] = heads["spam"]
    scores["complaint.product"] = heads["complaint"]
    scores["troll"] = heads["troll"]
    scores["abuse.conspiracy"] = heads["conspiracy"]
    scores["positive"] = heads["positive"] * (1.0 - heads["complaint"])
    return scores


def split_offensive(offensive: float, kinds: Mapping[str, float]) -> dict[str, float]:
    """Offensive probability per kind, relative to the likeliest kind.

    The likeliest kind carries the whole offensive score, so "offensive" passing a threshold
    always shows as some abuse label passing it; a plain product (offensive × share) would
    split a clear 0.8 into sub-threshold parts.
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
