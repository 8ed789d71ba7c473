"""Tone guard (POLICY.md R13): a reply that sounds defensive, blaming or sarcastic is never posted.

Lexicons are checked in every language regardless of the draft's language: a German reply with an
English sarcasm marker is still sarcastic. Matching is on whole words, case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.contracts.actions import TEXT_KINDS

# category -> phrases; a phrase matches as whole words after normalisation (see _normalise).
LEXICONS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "en": {
        "defensive": (
            "actually you",
            "as we already said",
            "as we said before",
            "as already stated",
            "as previously mentioned",
            "not our fault",
            "we are not responsible",
            "we're not responsible",
            "that is not our problem",
            "not our problem",
            "we did nothing wrong",
            "with all due respect",
        ),
        "blaming": (
            "your fault",
            "you should have",
            "you should've",
            "you failed to",
            "you didn't read",
            "you did not read",
            "if you had read",
            "user error",
            "you obviously",
        ),
        "argumentative": (
            "calm down",
            "you are wrong",
            "you're wrong",
            "that's not true",
            "that is not true",
            "that's simply not",
            "read the manual",
            "learn to",
            "stop complaining",
        ),
        "sarcastic": (
            "yeah right",
            "oh great",
            "oh wow",
            "sure thing, genius",
            "thanks a lot for nothing",
            "congratulations on",
            "good luck with that",
            "nice try",
            "obviously",
        ),
    },
    "de": {
        "defensive": (
            "wie bereits gesagt",
            "wie schon gesagt",
            "wie bereits erwähnt",
            "wie bereits erwaehnt",
            "nicht unsere schuld",
            "dafür sind wir nicht verantwortlich",
            "dafür können wir nichts",
            "wir haben nichts falsch gemacht",
            "eigentlich haben sie",
        ),
        "blaming": (
            "sie hätten",
            "sie haetten",
            "selbst schuld",
            "ihre schuld",
            "ihr fehler",
            "sie haben es versäumt",
            "sie haben versäumt",
            "bedienungsfehler",
            "hätten sie mal",
            "lesen sie doch",
        ),
        "argumentative": (
            "beruhigen sie sich",
            "regen sie sich ab",
            "das stimmt nicht",
            "sie irren sich",
            "sie liegen falsch",
            "hören sie auf",
            "das ist falsch",
        ),
        "sarcastic": (
            "na toll",
            "ja klar",
            "na klar doch",
            "herzlichen glückwunsch",
            "schön für sie",
            "viel spaß damit",
            "netter versuch",
            "offensichtlich",
        ),
    },
}
HUMOUR_WORDS: tuple[str, ...] = ("haha", "hehe", "lol", "rofl", "lmao", "xd", "hihi")
HUMOUR_SYMBOLS: tuple[str, ...] = (
    "😂",
    "🤣",
    "😜",
    "😉",
    "😄",
    "😆",
    "😅",
    ";)",
    ";-)",
    ":d",
    ":-d",
    ":p",
    ":-p",
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


@dataclass(frozen=True)
class ToneVerdict:
    """Accepted or not, and every reason why not (a support engineer reads these)."""

    reasons: tuple[str, ...]

    @property
    def accepted(self) -> bool:
        return not self.reasons


def _normalise(text: str) -> str:
    return " ".join(text.translate(_APOSTROPHES).lower().split())


def _phrase_pattern(*phrases: str) -> re.Pattern[str]:
    """Any of the phrases, as whole words."""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")


_COMPILED: tuple[tuple[str, str, str, re.Pattern[str]], ...] = tuple(
    (lang, category, phrase, _phrase_pattern(phrase))
    for lang, categories in LEXICONS.items()
    for category, phrases in categories.items()
    for phrase in phrases
)
_HUMOUR_WORD_PATTERNS = tuple((w, _phrase_pattern(w)) for w in HUMOUR_WORDS)
_ANY_PHRASE = _phrase_pattern(*(phrase for _lang, _category, phrase, _p in _COMPILED))
"""One pass that screens a draft: almost every draft is clean, and a hundred separate searches
per draft made the tone guard the responder's largest cost. Only a hit runs the per-phrase
patterns, which name every phrase (overlapping ones included)."""


_ANY_HUMOUR_WORD = _phrase_pattern(*HUMOUR_WORDS)


def _humour_markers(text: str) -> Iterable[str]:
    if _ANY_HUMOUR_WORD.search(text):
        for word, pattern in _HUMOUR_WORD_PATTERNS:
            if pattern.search(text):
                yield word
    for symbol in HUMOUR_SYMBOLS:
        if symbol in text:
            yield symbol


def check_tone(draft: str, *, humour_allowed: bool) -> ToneVerdict:
    """Reasons a draft must not be posted; empty when it is calm, polite and not defensive."""
    text = _normalise(draft)
    reasons = (
        [
            f"{category} phrase {phrase!r} ({lang})"
            for lang, category, phrase, pattern in _COMPILED
            if pattern.search(text)
        ]
        if _ANY_PHRASE.search(text)
        else []
    )
    if "!!" in text or "?!" in text:
        reasons.append("not calm: repeated or mixed punctuation ('!!' or '?!')")
    if not humour_allowed:
        reasons.extend(
            f"humour marker {marker!r} but the account does not enable humour"
            for marker in _humour_markers(text)
        )
    return ToneVerdict(tuple(reasons))


@dataclass(frozen=True)
class EditRefusal:
    """Why an agent's edited words may not be posted; `reasons` are the tone guard's."""

    message: str
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.message}: {'; '.join(self.reasons)}" if self.reasons else self.message


def edit_refusal(kind: str, text: str, *, humour_allowed: bool) -> EditRefusal | None:
    """Edited words pass the same guard as templates (R13); None when they may be posted.

    One check for both ways an agent edits a draft: the inbox's command and the drafts API."""
    if kind not in TEXT_KINDS:
        return EditRefusal(f"a {kind} action has no text to edit")
    verdict = check_tone(text, humour_allowed=humour_allowed)
    if verdict.accepted:
        return None
    return EditRefusal("the edited reply fails the tone guard", tuple(verdict.reasons))
