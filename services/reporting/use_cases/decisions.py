"""The decisions → messages, summaries and risk use case; escalation alerts published after commit.

Each decided customer message is stored as signals (negativity, toxicity, topics), its exchange
re-scored, and an `EscalationAlert` published when the score crosses the threshold (triage's R11
takes the exchange private on it). Reporting's own copy of every decision is written here too,
and, in the same transaction, the webhook deliveries of threats and alerts (see notifications).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from itertools import chain

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters import notifications as outbox
from services.reporting.adapters.signals import ReportingRepository
from services.reporting.domain.notifications import (
    Addressing,
    notice_from_alert,
    notice_from_decision,
)
from services.reporting.domain.risk import storm_topics
from services.reporting.domain.signals import MessageSignal, signal_from_decision
from services.reporting.domain.summary import (
    ExchangeSummary,
    Rescored,
    RiskConfig,
    fold_messages,
    rescore,
)
from services.reporting.metrics import ALERTS, CATEGORIZED, DECISIONS, BoundedLabel
from shared.clock import Clock, utcnow
from shared.contracts import DecisionMade, EscalationAlert, RiskReason
from shared.streams.consumer import Delivery
from shared.streams.publisher import EventPublisher

log = logging.getLogger(__name__)


def _alert(r: Rescored, threshold: float) -> EscalationAlert:
    s = r.summary
    return EscalationAlert(
        event_id=r.alert_id,
        occurred_at=s.last_customer_at,
        correlation_id=s.thread_id,
        account_id=s.account_id,
        thread_id=s.thread_id,
        platform=s.platform,
        score=r.risk.score,
        threshold=threshold,
        band="high",
        reasons=[
            RiskReason(feature=x.feature, points=x.points, detail=x.detail) for x in r.risk.top()
        ],
        messages_seen=s.messages,
    )


class DecisionHandler:
    """Stores each decided message as signals, re-scores its exchange, alerts on a crossing."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publisher: EventPublisher,
        alerts_stream: str,
        config: RiskConfig,
        notify: Addressing | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._stream = alerts_stream
        self._config = config
        self._notify = notify
        self._clock = clock
        self._rule = BoundedLabel()
        self._category = BoundedLabel(limit=30)

    async def __call__(self, batch: Sequence[Delivery[DecisionMade]]) -> None:
        """One transaction, then one publish pipeline; raising leaves the batch pending."""
        decisions = list({d.event.decision_id: d.event for d in batch}.values())
        # An alert's R11 or a community window's R10.reply answers a message already counted.
        signals = [signal_from_decision(d) for d in decisions if d.trigger == "comment"]
        due = {d.decision_id: d.sla_due_at for d in decisions}
        new_ids: set[str] = set()
        alerts: list[EscalationAlert] = []
        async with self._sessions() as session, session.begin():
            repo = ReportingRepository(session)
            await repo.insert_decisions(decisions)
            if signals:
                new_ids = await repo.insert_messages(signals)
                rescored = await self._rescore(repo, signals, new_ids, due)
                await repo.save_summaries([r.summary for r in rescored])
                alerts = [_alert(r, self._config.threshold) for r in rescored if r.alert]
            if self._notify is not None:
                notices = [*map(notice_from_decision, decisions), *map(notice_from_alert, alerts)]
                await outbox.enqueue(session, self._notify(notices), self._clock())
        if alerts:
            await self._publisher.publish([(self._stream, a) for a in alerts])
        self._count(decisions, new_ids, alerts)

    async def _rescore(
        self,
        repo: ReportingRepository,
        signals: Sequence[MessageSignal],
        new_ids: set[str],
        due: dict[str, datetime | None],
    ) -> list[Rescored]:
        by_thread: dict[str, list[MessageSignal]] = defaultdict(list)
        for s in signals:
            by_thread[s.thread_id].append(s)
        since = min(s.at for s in signals) - self._config.window
        current = await repo.summaries(by_thread)
        history = await repo.thread_messages(by_thread, since)
        raised = storm_topics(chain(signals, *history.values()))
        topics = await repo.account_topics({s.account_id for s in signals}, raised, since)
        out: list[Rescored] = []
        for thread_id, mine in by_thread.items():
            fresh = [m for m in mine if m.decision_id in new_ids]
            latest = max(mine, key=lambda m: m.at)
            summary: ExchangeSummary | None = current.get(thread_id)
            if fresh or summary is None:
                summary = fold_messages(summary, fresh or mine, due[latest.decision_id])
            out.append(rescore(summary, history.get(thread_id, mine), topics, self._config))
        return out

    def _count(
        self,
        decisions: Sequence[DecisionMade],
        new_ids: set[str],
        alerts: Sequence[EscalationAlert],
    ) -> None:
        for d in decisions:
            DECISIONS.labels(self._rule(d.rule_id)).inc()
            if d.decision_id in new_ids:
                category = self._category(d.category or "none")
                CATEGORIZED.labels(d.comment.platform, category).inc()
        for a in alerts:
            ALERTS.inc()
            log.warning(
                "escalation risk %.0f on %s: %s",
                a.score,
                a.thread_id,
                "; ".join(r.detail for r in a.reasons),
                extra={"correlation_id": a.correlation_id},
            )
