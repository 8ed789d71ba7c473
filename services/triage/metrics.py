"""Triage's own metrics; bounded label values (policy rule ids, lexicon languages)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter

DECISIONS = Counter(
    "sc_triage_decisions_total",
    "New triage decisions, by the policy rule that produced them.",
    ["rule_id"],
)
CLASSIFIED = Counter(
    "sc_triage_classified_total",
    "Comments classified, by the language the classifier assumed.",
    ["lang"],
)


def declare(rule_ids: Iterable[str], languages: Iterable[str]) -> None:
    """Expose every series at zero from the start, so rate() and alerts see them at once."""
    for rule_id in rule_ids:
        DECISIONS.labels(rule_id)
    for lang in languages:
        CLASSIFIED.labels(lang)


TIMER_EVENTS = Counter(
    "sc_triage_timer_transitions_total",
    "Timer transitions triage committed, by timer kind and the state reached.",
    ["kind", "state"],
)
TIMER_STATES = {
    "sla": ("pending", "met", "breached", "cancelled"),
    "community": ("pending", "elapsed", "cancelled"),
}


def declare_timers() -> None:
    """Every (kind, state) series at zero, so a breach alert sees its first increase."""
    for kind, states in TIMER_STATES.items():
        for state in states:
            TIMER_EVENTS.labels(kind, state)
