"""Decisions, timers and actions into reporting's summaries; risk alerts published after commit."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from itertools import chain

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters.signals import ReportingRepository
from services.reporting.domain.risk import storm_topics
from services.reporting.domain.signals import MessageSignal, signal_from_decision
from services.reporting.domain.summary import (
    ExchangeSummary,
    Rescored,
    RiskConfig,
    apply_response,
    apply_timer,
    awaiting_message,
    fold_messages,
    rescore,
)
from services.reporting.metrics import (
    ACTIONS,
    ALERTS,
    CATEGORIZED,
    DECISIONS,
    FIRST_RESPONSE,
    SLA_EVENTS,
    BoundedLabel,
)
from shared.contracts import (
    ActionCompleted,
    DecisionMade,
    EscalationAlert,
    RiskReason,
    SlaTimerEvent,
)
from shared.contracts.actions import REPLY_KINDS
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
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._stream = alerts_stream
        self._config = config
        self._rule = BoundedLabel()
        self._category = BoundedLabel(limit=30)

    async def __call__(self, batch: Sequence[Delivery[DecisionMade]]) -> None:
        """One transaction, then one publish pipeline; raising leaves the batch pending."""
        decisions = list({d.event.decision_id: d.event for d in batch}.values())
        # An alert's R11 or a community window's R10.reply answers a message already counted.
        signals = [signal_from_decision(d) for d in decisions if d.trigger == "comment"]
        due = {d.decision_id: d.sla_due_at for d in decisions}
        new_ids: set[str] = set()
        rescored: list[Rescored] = []
        async with self._sessions() as session, session.begin():
            repo = ReportingRepository(session)
            await repo.insert_decisions(decisions)
            if signals:
                new_ids = await repo.insert_messages(signals)
                rescored = await self._rescore(repo, signals, new_ids, due)
                await repo.save_summaries([r.summary for r in rescored])
        alerts = [_alert(r, self._config.threshold) for r in rescored if r.alert]
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


class TimerHandler:
    """Appends SLA timer events to the history and settles the exchange's deadline."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, batch: Sequence[Delivery[SlaTimerEvent]]) -> None:
        events = sorted(
            {d.event.event_id: d.event for d in batch}.values(), key=lambda e: e.occurred_at
        )
        async with self._sessions() as session, session.begin():
            repo = ReportingRepository(session)
            new_ids = await repo.append_timer_events(events)
            fresh = [e for e in events if e.event_id in new_ids]
            current = await repo.summaries({e.thread_id for e in fresh})
            for e in fresh:
                current[e.thread_id] = apply_timer(current.get(e.thread_id), e)
            await repo.save_summaries(list(current.values()))
        for e in fresh:
            if e.kind == "sla":
                SLA_EVENTS.labels(e.status).inc()


class ActionHandler:
    """Counts outcomes; a reply done records the exchange's first response."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, batch: Sequence[Delivery[ActionCompleted]]) -> None:
        """A reply seen before its message's decision is held in a placeholder summary."""
        actions = list({d.event.action_id: d.event for d in batch}.values())
        replies = [a for a in actions if a.kind in REPLY_KINDS and a.status == "done"]
        answered: list[ExchangeSummary] = []
        if replies:
            async with self._sessions() as session, session.begin():
                repo = ReportingRepository(session)
                current = await repo.summaries({a.thread_id for a in replies})
                for a in replies:
                    if a.thread_id not in current:
                        current[a.thread_id] = awaiting_message(
                            a.thread_id, a.platform, a.account_id, a.performed_at
                        )
                before = {t: s.first_response_at for t, s in current.items()}
                for a in sorted(replies, key=lambda a: a.performed_at):
                    current[a.thread_id] = apply_response(current[a.thread_id], a.performed_at)
                answered = [s for t, s in current.items() if s.first_response_at != before[t]]
                await repo.save_summaries(list(current.values()))
        for a in actions:
            ACTIONS.labels(a.kind, a.status).inc()
        for s in answered:
            if s.messages and s.first_response_at is not None and before[s.thread_id] is None:
                FIRST_RESPONSE.observe((s.first_response_at - s.first_message_at).total_seconds())
