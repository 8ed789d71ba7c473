"""Per-exchange summary: folded from decisions and timers, re-scored on every new message."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.reporting.domain.risk import RiskScore, TopicIndex, alert_step, band, score_exchange
from services.reporting.domain.signals import MessageSignal
from shared.contracts import SlaTimerEvent

ALERT_NAMESPACE = uuid.UUID("9b7e4d1a-2c3f-4e5a-8b6c-7d8e9f0a1b2c")
"""Fixed forever: alert event ids derive from it, so a republished alert keeps its id."""


@dataclass(frozen=True)
class ExchangeSummary:
    thread_id: str
    platform: str
    account_id: str
    category: str | None
    first_message_at: datetime
    last_customer_at: datetime
    last_activity_at: datetime
    first_response_at: datetime | None = None
    sla_due_at: datetime | None = None
    sla_state: str | None = None
    messages: int = 0
    risk_score: float = 0.0
    risk_band: str = "low"
    risk_reasons: tuple[dict[str, object], ...] = ()
    alert_armed: bool = True
    alerted_at: datetime | None = None


@dataclass(frozen=True)
class RiskConfig:
    threshold: float
    rearm: float
    window: timedelta


@dataclass(frozen=True)
class Rescored:
    summary: ExchangeSummary
    risk: RiskScore
    alert: bool
    """True when this batch crossed the threshold (or is a redelivery of the batch that did)."""

    @property
    def alert_id(self) -> str:
        s = self.summary
        stamp = s.alerted_at.isoformat() if s.alerted_at else ""
        return uuid.uuid5(ALERT_NAMESPACE, f"{s.thread_id}|{stamp}").hex


def awaiting_message(
    thread_id: str, platform: str, account_id: str, at: datetime
) -> ExchangeSummary:
    """A summary for a reply seen before its message's decision (the streams are not ordered).

    It holds the reply until `fold_messages` brings the message; `messages == 0` marks it.
    """
    return ExchangeSummary(
        thread_id=thread_id,
        platform=platform,
        account_id=account_id,
        category=None,
        first_message_at=at,
        last_customer_at=at,
        last_activity_at=at,
    )


def fold_messages(
    current: ExchangeSummary | None, new: Sequence[MessageSignal], sla_due: datetime | None
) -> ExchangeSummary:
    """Counts only messages not seen before; category and deadline follow the newest message."""
    ordered = sorted(new, key=lambda m: m.at)
    first = ordered[0]
    if current is not None and current.messages == 0:
        current = replace(
            current,
            category=first.category,
            first_message_at=first.at,
            last_customer_at=first.at,
        )
    s = current or ExchangeSummary(
        thread_id=first.thread_id,
        platform=first.platform,
        account_id=first.account_id,
        category=first.category,
        first_message_at=first.at,
        last_customer_at=first.at,
        last_activity_at=first.at,
    )
    last = ordered[-1]
    newer = last.at >= s.last_customer_at
    restarted = newer and sla_due is not None and sla_due != s.sla_due_at
    return replace(
        s,
        category=(last.category or s.category) if newer else s.category,
        first_message_at=min(s.first_message_at, first.at),
        last_customer_at=max(s.last_customer_at, last.at),
        last_activity_at=max(s.last_activity_at, last.at),
        sla_due_at=sla_due if restarted else s.sla_due_at,
        # The stored state belongs to the clock that set it: a new deadline (R4) starts afresh,
        # or the old clock's `met` would hide the new one's breach.
        sla_state="started" if restarted else s.sla_state,
        messages=s.messages + len(new),
    )


def rescore(
    s: ExchangeSummary,
    thread: Sequence[MessageSignal],
    topics: TopicIndex,
    config: RiskConfig,
) -> Rescored:
    """Scores at the exchange's latest message (event time, so replays score the same)."""
    now = s.last_customer_at
    risk = score_exchange(
        thread,
        topics,
        sla_due_at=s.sla_due_at,
        sla_state=s.sla_state,
        now=now,
        window=config.window,
    )
    fire, armed = alert_step(
        s.alert_armed, risk.score, threshold=config.threshold, rearm=config.rearm
    )
    redelivered = not s.alert_armed and s.alerted_at == now and risk.score >= config.threshold
    updated = replace(
        s,
        risk_score=risk.score,
        risk_band=band(risk.score, threshold=config.threshold, rearm=config.rearm),
        risk_reasons=tuple(
            {"feature": r.feature, "points": r.points, "detail": r.detail} for r in risk.reasons
        ),
        alert_armed=armed,
        alerted_at=now if fire else s.alerted_at,
    )
    return Rescored(updated, risk, fire or redelivered)


def apply_timer(current: ExchangeSummary | None, event: SlaTimerEvent) -> ExchangeSummary:
    """A started SLA timer sets the deadline; later statuses settle the timer that set it."""
    s = current or ExchangeSummary(
        thread_id=event.thread_id,
        platform=event.platform,
        account_id=event.account_id,
        category=event.category,
        first_message_at=event.started_at,
        last_customer_at=event.started_at,
        last_activity_at=event.started_at,
    )
    s = replace(s, last_activity_at=max(s.last_activity_at, event.occurred_at))
    if event.kind != "sla":
        return s
    if event.status == "started":
        if s.sla_due_at is None or event.due_at >= s.sla_due_at:
            return replace(s, sla_due_at=event.due_at, sla_state="started")
        return s
    if s.sla_due_at is None or event.due_at == s.sla_due_at:
        return replace(s, sla_due_at=event.due_at, sla_state=event.status)
    return s


def apply_response(s: ExchangeSummary, performed_at: datetime) -> ExchangeSummary:
    """First response: the first reply done at or after the exchange's first message."""
    first = s.first_response_at
    if performed_at >= s.first_message_at and (first is None or performed_at < first):
        first = performed_at
    return replace(
        s, first_response_at=first, last_activity_at=max(s.last_activity_at, performed_at)
    )
