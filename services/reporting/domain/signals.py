"""What one decided message tells the risk score and the improvement report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.reporting.domain.topics import topics_of
from shared.contracts import DecisionMade

NEGATIVE_PREFIXES = ("complaint.", "abuse.", "threat", "troll", "unreasonable")
TOXIC_PREFIXES = ("abuse.", "threat")


@dataclass(frozen=True)
class MessageSignal:
    """One customer message as numbers: negativity and toxicity in 0..1, its topics."""

    decision_id: str
    thread_id: str
    platform: str
    account_id: str
    comment_id: str
    author_id: str
    at: datetime
    negativity: float
    toxicity: float
    category: str | None
    topics: tuple[str, ...]
    improvement: bool
    text: str


def _max_score(
    labels: Sequence[str], scores: Mapping[str, float], prefixes: tuple[str, ...]
) -> float:
    """Highest score among matching labels; a label without a score counts as certain."""
    best = 0.0
    for label in {*labels, *scores}:
        if label.startswith(prefixes):
            value = scores.get(label, 1.0 if label in labels else 0.0)
            best = max(best, min(max(value, 0.0), 1.0))
    return best


def negativity(labels: Sequence[str], scores: Mapping[str, float]) -> float:
    return _max_score(labels, scores, NEGATIVE_PREFIXES)


def toxicity(labels: Sequence[str], scores: Mapping[str, float]) -> float:
    return _max_score(labels, scores, TOXIC_PREFIXES)


def message_topics(
    category: str | None, labels: Sequence[str], text: str, aspects: Sequence[str] = ()
) -> tuple[str, ...]:
    """Category (or the first complaint label) plus aspects: what the customer complains about."""
    complaint = category or next((lb for lb in labels if lb.startswith("complaint.")), None)
    return tuple(topics_of(complaint, text, aspects))


def message_time(event: DecisionMade) -> datetime:
    """When the customer wrote, as the platform says (never later than the decision): the one
    start of every response time and SLA figure, the same start triage's clocks use."""
    return min(event.comment.created_at, event.occurred_at)


def signal_from_decision(event: DecisionMade) -> MessageSignal:
    """The handler and the scenario evaluation read a decision the same way."""
    c = event.comment
    return MessageSignal(
        decision_id=event.decision_id,
        thread_id=c.thread_id,
        platform=c.platform,
        account_id=c.account_id,
        comment_id=c.comment_id,
        author_id=c.author.id,
        at=message_time(event),
        negativity=negativity(event.labels, event.scores),
        toxicity=toxicity(event.labels, event.scores),
        category=event.category,
        topics=message_topics(event.category, event.labels, c.text, event.aspects),
        improvement=event.improvement,
        text=c.text,
    )
