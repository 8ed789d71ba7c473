"""A transparent lexicon classifier for German and English: every score traces to a pattern.

Text and patterns are folded the same way (case-folded, ä→ae, ö→oe, ü→ue, ß→ss), so "Scheiße",
"scheisse" and "SCHEISSE" hit one entry. Patterns are regexes anchored at a word start, so a stem
such as `kaputt\\w*` covers the inflections. A label's score combines its hits as a noisy-or:
1 - Π(1 - weight); `strong` entries weigh more than `weak` ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.triage.domain.classification import LABELS, SENTIMENT, Classification

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
DEFAULT_LANG = "en"
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "’": "'"})
_WORD = re.compile(r"\w+")
_NEGATIVE_LABELS = tuple(
    label for label in LABELS if label not in ("positive", "neutral", "trivial")
)


def fold(text: str) -> str:
    """The one normalisation both texts and patterns go through."""
    return text.casefold().translate(_UMLAUTS)


class LabelLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    strong: list[str] = Field(default_factory=list)
    weak: list[str] = Field(default_factory=list)
    negatable: bool = False
    """Ignore a hit right after a negation ("nicht zufrieden", "not happy")."""


class LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str = Field(min_length=2, max_length=8)
    strong_weight: float = Field(default=0.8, gt=0, lt=1)
    weak_weight: float = Field(default=0.45, gt=0, lt=1)
    stopwords: list[str]
    markers: list[str] = Field(default_factory=list)
    """Characters that hint at the language (e.g. umlauts); each one present counts as a hit."""
    negations: list[str] = Field(default_factory=list)
    labels: dict[str, LabelLexicon]


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    weight: float


@dataclass(frozen=True)
class Lexicon:
    """One language's compiled lexicon."""

    language: str
    stopwords: frozenset[str]
    markers: tuple[str, ...]
    negation: re.Pattern[str] | None
    patterns: Mapping[str, tuple[_Pattern, ...]]
    negatable: frozenset[str]
    screens: Mapping[str, re.Pattern[str]]
    """Per label, all its patterns in one alternation: one pass rules out a label that misses."""

    @classmethod
    def from_file(cls, data: LexiconFile) -> Lexicon:
        unknown = sorted(set(data.labels) - set(LABELS))
        if unknown:
            raise ValueError(f"lexicon {data.language}: unknown labels {unknown}")
        patterns = {
            label: tuple(
                [_Pattern(_compile(p), data.strong_weight) for p in lex.strong]
                + [_Pattern(_compile(p), data.weak_weight) for p in lex.weak]
            )
            for label, lex in data.labels.items()
        }
        negation = None
        if data.negations:
            words = "|".join(fold(n) for n in data.negations)
            negation = re.compile(rf"(?<!\w)(?:{words})\s+(?:\w+\s+)?$")
        screens = {
            label: _compile("|".join(f"(?:{p})" for p in [*lex.strong, *lex.weak]))
            for label, lex in data.labels.items()
            if lex.strong or lex.weak
        }
        return cls(
            language=data.language,
            stopwords=frozenset(fold(w) for w in data.stopwords),
            markers=tuple(data.markers),
            negation=negation,
            patterns=patterns,
            negatable=frozenset(k for k, v in data.labels.items() if v.negatable),
            screens=screens,
        )

    def evidence(self, text: str) -> int:
        """How strongly a text looks like this language: stopwords plus marker characters."""
        tokens = _WORD.findall(fold(text))
        hits = sum(1 for token in tokens if token in self.stopwords)
        lowered = text.lower()
        return hits + sum(1 for marker in self.markers if marker in lowered)

    def hits(self, folded: str, label: str) -> list[str]:
        """Rule ids (`lex.<lang>.<label>#<n>`, n = the pattern's place in the file) that fired."""
        screen = self.screens.get(label)
        if screen is None or screen.search(folded) is None:
            return []
        negation = self.negation if label in self.negatable else None
        found = []
        for n, pattern in enumerate(self.patterns.get(label, ())):
            if negation is not None:
                hit = _unnegated_hit(pattern.regex, folded, negation)
            else:
                hit = pattern.regex.search(folded) is not None
            if hit:
                found.append(f"lex.{self.language}.{label}#{n}")
        return found

    def score(self, folded: str, label: str) -> float:
        screen = self.screens.get(label)
        if screen is None or screen.search(folded) is None:
            return 0.0
        negation = self.negation if label in self.negatable else None
        miss = 1.0
        for pattern in self.patterns.get(label, ()):
            if negation is not None:
                hit = _unnegated_hit(pattern.regex, folded, negation)
            else:
                hit = pattern.regex.search(folded) is not None
            if hit:
                miss *= 1.0 - pattern.weight
        return round(1.0 - miss, 3)


def _unnegated_hit(regex: re.Pattern[str], folded: str, negation: re.Pattern[str]) -> bool:
    """A hit not right after a negation ("nicht zufrieden" is no praise)."""
    for match in regex.finditer(folded):
        before = folded[max(0, match.start() - 40) : match.start()]
        if not negation.search(before):
            return True
    return False


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(rf"(?<!\w)(?:{pattern.translate(_UMLAUTS)})")
    except re.error as exc:
        raise ValueError(f"lexicon pattern {pattern!r} is not a valid regex: {exc}") from exc


class LexiconClassifier:
    """Implements `Classifier` with one lexicon per language."""

    def __init__(self, lexicons: Sequence[Lexicon], default_lang: str = DEFAULT_LANG) -> None:
        self._lexicons = {lex.language: lex for lex in lexicons}
        if default_lang not in self._lexicons:
            raise ValueError(f"default language {default_lang!r} has no lexicon")
        self._default = default_lang

    @classmethod
    def from_directory(cls, directory: Path = LEXICON_DIR) -> LexiconClassifier:
        """Loads every `*.yaml` lexicon; a broken one stops start-up with the file and reason."""
        lexicons = []
        for path in sorted(directory.glob("*.yaml")):
            try:
                data = LexiconFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
                lexicons.append(Lexicon.from_file(data))
            except (yaml.YAMLError, ValidationError, ValueError) as exc:
                raise ValueError(f"lexicon file {path} is invalid: {exc}") from exc
        if not lexicons:
            raise ValueError(f"no lexicon files (*.yaml) in {directory}")
        return cls(lexicons)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._lexicons)

    def detect(self, text: str, fallback: str | None) -> str:
        """The language with the most evidence; on a tie or none, the account's language."""
        evidence = sorted(
            ((lex.evidence(text), lang) for lang, lex in self._lexicons.items()), reverse=True
        )
        best, lang = evidence[0]
        if best > 0 and (len(evidence) == 1 or evidence[1][0] < best):
            return lang
        if fallback in self._lexicons:
            return fallback
        return self._default

    def classify_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Classification]:
        return [self.classify(text, fallback) for text, fallback in items]

    def classify(self, text: str, fallback: str | None = None) -> Classification:
        return self.classify_in(text, self.detect(text, fallback))

    def rule_hits(self, text: str, lang: str, labels: Sequence[str]) -> dict[str, list[str]]:
        """For an agent asking "why?": the lexicon rules behind each of `labels`."""
        lexicon = self._lexicons.get(lang) or self._lexicons[self._default]
        folded = fold(text)
        return {label: lexicon.hits(folded, label) for label in labels}

    def classify_in(self, text: str, lang: str) -> Classification:
        """Scores with one language's lexicon when another component already knows the language."""
        lexicon = self._lexicons.get(lang) or self._lexicons[self._default]
        folded = fold(text)
        scores = {label: lexicon.score(folded, label) for label in LABELS if label != "neutral"}
        strongest = max(scores.values(), default=0.0)
        scores["neutral"] = round(max(0.0, 1.0 - strongest), 3)
        negative = max(scores[label] for label in _NEGATIVE_LABELS)
        sentiment = scores["positive"] - max(negative, scores["trivial"] / 2)
        scores[SENTIMENT] = round(max(-1.0, min(1.0, sentiment)), 3)
        return Classification(lang=lexicon.language, scores=scores)
