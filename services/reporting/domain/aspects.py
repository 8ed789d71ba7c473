"""What a complaint is about, as aspects a support lead recognises, German and English (pure).

The taxonomy is data (`aspects.yaml` beside this module): every aspect lists word patterns of
both languages, so one topic collects "Lieferung" and "delivery". Matching is transparent on
purpose — a lead can read why a comment was filed under a topic and a team can add its own
words — and it is measured against a labelled set written for the test (docs/reports.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

OTHER = "other"
"""The topic of a complaint no aspect matches: counted, never dropped."""

_FOLDS = (("ä", "a"), ("ö", "o"), ("ü", "u"), ("ß", "ss"), ("ae", "a"), ("oe", "o"), ("ue", "u"))
_SPACE = re.compile(r"[^\w*\-']+")


def fold(text: str) -> str:
    """Lower case, umlauts and their two-letter spellings folded, punctuation to single spaces."""
    folded = text.casefold()
    for a, b in _FOLDS:
        folded = folded.replace(a, b)
    return " " + _SPACE.sub(" ", folded).strip() + " "


def _pattern(spec: str) -> str:
    """`liefer*` → prefix, `*paket*` → infix, `on hold` → phrase; on folded text."""
    words = []
    for word in fold(spec).split():
        head = r"\w*" if word.startswith("*") else r"(?<![\w'])"
        tail = r"\w*" if word.endswith("*") else r"(?![\w'])"
        words.append(head + re.escape(word.strip("*")) + tail)
    return r"\s".join(words)


@dataclass(frozen=True)
class Aspect:
    id: str
    labels: Mapping[str, str]
    """Display names per interface language (en, de)."""
    matcher: re.Pattern[str]

    def weight(self, folded: str) -> int:
        """Letters matched: a long specific word ("Rückerstattung") outweighs a short phrase."""
        return sum(len(m.group(0)) for m in self.matcher.finditer(folded))

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.id


def _aspect(aspect_id: str, spec: Mapping[str, Any]) -> Aspect:
    patterns = spec.get("patterns") or []
    if not patterns:
        raise ValueError(f"aspect {aspect_id!r} in aspects.yaml has no patterns")
    joined = "|".join(f"(?:{_pattern(str(p))})" for p in patterns)
    return Aspect(aspect_id, dict(spec.get("label") or {}), re.compile(joined))


@cache
def taxonomy() -> tuple[Aspect, ...]:
    """The shipped aspects, in the file's order (which breaks ties)."""
    raw = yaml.safe_load(resources.files(__package__).joinpath("aspects.yaml").read_text("utf-8"))
    return tuple(_aspect(str(k), v) for k, v in raw["aspects"].items())


def aspects_of(text: str, aspects: Sequence[Aspect] | None = None) -> tuple[str, ...]:
    """The aspects a complaint names, most matched letters first; `("other",)` when none does."""
    folded = fold(text)
    scored = [(a.weight(folded), i, a.id) for i, a in enumerate(aspects or taxonomy())]
    found = sorted((-weight, i, aspect_id) for weight, i, aspect_id in scored if weight)
    return tuple(aspect_id for _, _, aspect_id in found) or (OTHER,)


def aspect_label(aspect_id: str, lang: str) -> str:
    """The display name of an aspect (or of "other") in `lang`."""
    if aspect_id == OTHER:
        return "Sonstiges" if lang == "de" else "Other"
    for a in taxonomy():
        if a.id == aspect_id:
            return a.label(lang)
    return aspect_id
