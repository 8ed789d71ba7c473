"""The classifier's label vocabulary: what triage scores, the policy names and agents correct.

Kept in `shared/` because three services speak it: triage scores every label, the policy refers
to them, and reporting validates an agent's corrections against them.
"""

from __future__ import annotations

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

FAMILIES: tuple[str, ...] = ("complaint", "abuse")
"""Prefixes an agent may deny as a whole: "not:abuse" says no `abuse.*` label applies."""

NEGATION = "not:"


def correction_vocabulary() -> frozenset[str]:
    """What a correction may say: a label applies (`threat`) or does not (`not:threat`)."""
    positive = set(LABELS)
    negative = {NEGATION + label for label in (*LABELS, *FAMILIES)}
    return frozenset(positive | negative)


def denied(label: str, token: str) -> bool:
    """Whether the correction token `not:x` denies `label` (itself or its family)."""
    if not token.startswith(NEGATION):
        return False
    what = token[len(NEGATION) :]
    return label == what or label.startswith(what + ".")
