"""What a complaint is about, as aspects a support lead recognises, German and English (pure).

The taxonomy is data (`aspects.yaml` beside this module): every aspect lists word patterns of
both languages, so one topic collects "Lieferung" and "delivery". Matching is transparent on
purpose — a lead can read why a comment was filed under a topic and a team can add its own
words — and it is measured against a labelled set written for the test (docs/reports.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

LABEL_LANGUAGES = ("en", "de")
OTHER = "other"
COMPLAINT_PREFIX = "complaint."
"""Categories (complaint labels) whose comments have aspects: `complaint.product`, …"""
"""The topic of a complaint no aspect matches: counted, never dropped."""

_FOLDS = (("ä", "a"), ("ö", "o"), ("ü", "u"), ("ß", "ss"), ("ae", "a"), ("oe", "o"), ("ue", "u"))
_SPACE = re.compile(r"[^\w*\-']+")


def is_complaint(category: str | None) -> bool:
    return (category or "").startswith(COMPLAINT_PREFIX)


def fold(text: str) -> str:
    """Lower case, umlauts and their two-letter spellings folded, punctuation to single spaces."""
    folded = text.casefold()
    for a, b in _FOLDS:
        folded = folded.replace(a, b)
    return " " + _SPACE.sub(" ", folded).strip() + " "


def word_matches(pattern: str, word: str) -> bool:
    """One word of a pattern against one folded word: `x`, `x*`, `*x`, `*x*`."""
    core = pattern.strip("*")
    if pattern.startswith("*") and pattern.endswith("*"):
        return core in word
    if pattern.endswith("*"):
        return word.startswith(core)
    if pattern.startswith("*"):
        return word.endswith(core)
    return word == pattern


@dataclass(frozen=True)
class Aspect:
    """One topic's patterns, split by kind: single words are looked up per word (cached),
    phrases are matched word by word from their first word — tens of microseconds a comment,
    where one regular expression per aspect took a millisecond."""

    id: str
    labels: Mapping[str, str]
    """Display names per interface language (en, de)."""
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    infixes: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    """Multi-word patterns, word by word."""

    def names(self, word: str) -> bool:
        """A single-word pattern names `word` (folded)."""
        return (
            word in self.exact
            or word.startswith(self.prefixes)
            or word.endswith(self.suffixes)
            or any(part in word for part in self.infixes)
        )

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.id


def parse_aspect(aspect_id: str, spec: Mapping[str, Any]) -> Aspect:
    patterns = [fold(str(p)).strip() for p in spec.get("patterns") or []]
    if not patterns:
        raise ValueError(f"aspect {aspect_id!r} in aspects.yaml has no patterns")
    labels = {str(k): str(v) for k, v in (spec.get("label") or {}).items()}
    if set(labels) != set(LABEL_LANGUAGES) or not all(labels.values()):
        # An unquoted comma in a YAML flow mapping splits a label into bogus keys.
        raise ValueError(
            f"aspect {aspect_id!r} in aspects.yaml needs one label per language "
            f"{LABEL_LANGUAGES}, has {labels} (quote a label that holds a comma)"
        )
    words = [p for p in patterns if " " not in p]
    phrases = [p for p in patterns if " " in p]
    return Aspect(
        id=aspect_id,
        labels=labels,
        exact=frozenset(w for w in words if "*" not in w),
        prefixes=tuple(w[:-1] for w in words if w.endswith("*") and not w.startswith("*")),
        suffixes=tuple(w[1:] for w in words if w.startswith("*") and not w.endswith("*")),
        infixes=tuple(w.strip("*") for w in words if w.startswith("*") and w.endswith("*")),
        phrases=tuple(tuple(p.split()) for p in phrases),
    )


@cache
def taxonomy() -> tuple[Aspect, ...]:
    """The shipped aspects, in the file's order (which breaks ties)."""
    raw = yaml.safe_load(resources.files(__package__).joinpath("aspects.yaml").read_text("utf-8"))
    return tuple(parse_aspect(str(k), v) for k, v in raw["aspects"].items())


@cache
def aspect_ids() -> frozenset[str]:
    return frozenset(a.id for a in taxonomy())


IndexedPhrase = tuple[int, tuple[str, ...]]
"""(index of the aspect in `taxonomy()`, the phrase's words)."""


@lru_cache(maxsize=10_000)
def _word_aspects(word: str) -> tuple[int, ...]:
    """Which of the shipped aspects name this (folded) word; words repeat, so it is cached."""
    return tuple(i for i, a in enumerate(taxonomy()) if a.names(word))


@cache
def _phrases_by_first_word() -> tuple[
    dict[str, list[tuple[int, tuple[str, ...]]]], list[tuple[int, tuple[str, ...]]]
]:
    """Phrases indexed by their first word when it is a plain word; the rest are tried at every
    word (the file has few)."""
    plain: dict[str, list[IndexedPhrase]] = {}
    wild: list[IndexedPhrase] = []
    for i, a in enumerate(taxonomy()):
        for phrase in a.phrases:
            if "*" in phrase[0]:
                wild.append((i, phrase))
            else:
                plain.setdefault(phrase[0], []).append((i, phrase))
    return plain, wild


def _phrase_at(words: list[str], start: int, phrase: tuple[str, ...]) -> int:
    """Letters the phrase matches at `start` (0 when it does not)."""
    end = start + len(phrase)
    if end > len(words):
        return 0
    part = words[start:end]
    if all(word_matches(p, w) for p, w in zip(phrase, part, strict=True)):
        return sum(map(len, part)) + len(part) - 1
    return 0


def aspects_of(text: str) -> tuple[str, ...]:
    """The aspects a complaint names, most matched letters first; `("other",)` when none does.

    A word counts with its length for each aspect that names it (a long specific word such as
    "Rückerstattung" outweighs a short phrase), a phrase with the letters it matched.
    """
    words = fold(text).split()
    aspects = taxonomy()
    plain, wild = _phrases_by_first_word()
    weight = [0] * len(aspects)
    covered = [0] * len(aspects)
    """Per aspect, the words up to which a phrase matched: phrases of one aspect don't overlap
    ("noch nicht da" is not also "nicht da")."""
    for n, word in enumerate(words):
        for i in _word_aspects(word):
            weight[i] += len(word)
        for i, phrase in (*plain.get(word, ()), *wild):
            letters = _phrase_at(words, n, phrase) if n >= covered[i] else 0
            if letters:
                weight[i] += letters
                covered[i] = n + len(phrase)
    found = sorted((-w, i) for i, w in enumerate(weight) if w)
    return tuple(aspects[i].id for _, i in found) or (OTHER,)


def aspect_label(aspect_id: str, lang: str) -> str:
    """The display name of an aspect (or of "other") in `lang`."""
    if aspect_id == OTHER:
        return "Sonstiges" if lang == "de" else "Other"
    for a in taxonomy():
        if a.id == aspect_id:
            return a.label(lang)
    return aspect_id
