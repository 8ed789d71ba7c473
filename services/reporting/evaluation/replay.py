"""Replays decisions message by message through the risk score and the alert hysteresis."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from services.reporting.domain.risk import TopicIndex, alert_step, score_exchange
from services.reporting.domain.signals import MessageSignal, signal_from_decision
from shared.contracts import DecisionMade


@dataclass(frozen=True)
class Alert:
    index: int
    """Position of the message after which the alert fired (0-based)."""
    thread_id: str
    score: float
    reasons: tuple[str, ...]


def replay(
    decisions: Sequence[DecisionMade],
    *,
    threshold: float,
    rearm: float,
    window: timedelta,
) -> list[Alert]:
    """Scores the message's exchange after every message, as reporting does per batch."""
    by_thread: dict[str, list[MessageSignal]] = defaultdict(list)
    account: list[MessageSignal] = []
    armed: dict[str, bool] = defaultdict(lambda: True)
    alerts: list[Alert] = []
    for index, decision in enumerate(sorted(decisions, key=lambda d: d.occurred_at)):
        signal = signal_from_decision(decision)
        by_thread[signal.thread_id].append(signal)
        account.append(signal)
        now = signal.at
        risk = score_exchange(
            by_thread[signal.thread_id],
            TopicIndex.of(account),  # score_exchange keeps the window and skips the thread
            sla_due_at=decision.sla_due_at,
            sla_state="started" if decision.sla_due_at else None,
            now=now,
            window=window,
        )
        fire, armed[signal.thread_id] = alert_step(
            armed[signal.thread_id], risk.score, threshold=threshold, rearm=rearm
        )
        if fire:
            alerts.append(
                Alert(index, signal.thread_id, risk.score, tuple(r.feature for r in risk.top()))
            )
    return alerts
