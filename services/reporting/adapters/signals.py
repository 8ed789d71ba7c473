"""Reporting's own tables: message signals, exchange summaries and timer events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.domain.risk import NEGATIVE, TopicIndex
from services.reporting.domain.signals import MessageSignal
from services.reporting.domain.summary import ExchangeSummary
from shared.contracts import DecisionMade, SlaTimerEvent
from shared.db.models import (
    ReportingDecisionRow,
    ReportingExchangeRow,
    ReportingMessageRow,
    ReportingTimerEventRow,
    decision_row,
    table_of,
)

_SUMMARY_FIELDS = tuple(ExchangeSummary.__dataclass_fields__)


_MESSAGES = table_of(ReportingMessageRow)
_DECISIONS = table_of(ReportingDecisionRow)
_EXCHANGES = table_of(ReportingExchangeRow)
_SIGNAL_COLUMNS = [_MESSAGES.c[name] for name in MessageSignal.__dataclass_fields__]
"""Reads select columns through Core: ORM instances cost more than the query on these paths."""


def _signal(r: Row[Any]) -> MessageSignal:
    values = r._asdict()
    values["topics"] = tuple(str(t) for t in values["topics"])
    return MessageSignal(**values)


def _summary(r: Row[Any]) -> ExchangeSummary:
    values = r._asdict()
    values["risk_reasons"] = tuple(values["risk_reasons"])
    return ExchangeSummary(**values)


ACCOUNT_WINDOW_ROWS = 1_000
"""Newest messages per account read for one batch's storm feature."""


class ReportingRepository:
    """Never commits: the handler owns the transaction, one per batch; a few statements each."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_decisions(self, decisions: Sequence[DecisionMade]) -> None:
        """Reporting's copy of every decision (its timelines and evidence); redeliveries no-ops."""
        if not decisions:
            return
        rows = [decision_row(d, d.occurred_at) for d in decisions]
        stmt = insert(_DECISIONS).on_conflict_do_nothing(index_elements=["decision_id"])
        await self._session.execute(stmt, rows)

    async def insert_messages(self, signals: Sequence[MessageSignal]) -> set[str]:
        """Returns the decision ids that were new (a redelivery adds nothing)."""
        if not signals:
            return set()
        rows = [{**vars(s), "topics": list(s.topics)} for s in signals]
        stmt = (
            insert(_MESSAGES)
            .on_conflict_do_nothing(index_elements=["decision_id"])
            .returning(_MESSAGES.c.decision_id)
        )
        return set((await self._session.execute(stmt, rows)).scalars())

    async def thread_messages(
        self, thread_ids: Iterable[str], since: datetime
    ) -> dict[str, list[MessageSignal]]:
        rows = await self._session.execute(
            select(*_SIGNAL_COLUMNS).where(
                _MESSAGES.c.thread_id.in_(list(thread_ids)), _MESSAGES.c.at >= since
            )
        )
        grouped: dict[str, list[MessageSignal]] = {}
        for r in rows:
            grouped.setdefault(r.thread_id, []).append(_signal(r))
        return grouped

    async def account_topics(
        self,
        account_ids: Iterable[str],
        topics: AbstractSet[str],
        since: datetime,
        *,
        newest: int = ACCOUNT_WINDOW_ROWS,
    ) -> TopicIndex:
        """Where the accounts' newest messages since `since` raised any of `topics`.

        Reads each account's `newest` messages in time order and filters here: a filter on
        topics in SQL lets the planner expect few matches and scan the whole window instead,
        which grew with the table (10 ms per batch at 40,000 messages). The storm feature is
        full after a handful of exchanges, so the newest messages are all it needs.
        """
        entries: list[tuple[str, datetime, str, Iterable[str]]] = []
        if not topics:
            return TopicIndex.raised_in(entries)
        c = _MESSAGES.c
        for account_id in sorted(set(account_ids)):
            rows = await self._session.execute(
                select(c.at, c.thread_id, c.topics, c.negativity)
                .where(c.account_id == account_id, c.at >= since)
                .order_by(c.at.desc())
                .limit(newest)
            )
            entries += [
                (account_id, r.at, r.thread_id, r.topics)
                for r in rows
                if r.negativity >= NEGATIVE and not topics.isdisjoint(r.topics)
            ]
        return TopicIndex.raised_in(entries)

    async def summaries(self, thread_ids: Iterable[str]) -> dict[str, ExchangeSummary]:
        """Locks the rows, so two consumers never fold the same exchange at once.

        In thread id order, as `save_summaries` writes: reporting's decision, timer and action
        consumers run concurrently, and locks taken in scan order deadlocked them. A row lock
        guards only a row that exists: for an exchange not stored yet (a reply or a timer seen
        before its decision) a transaction-scoped advisory lock per thread id serialises the
        consumers too — without it both inserted and the later upsert erased the other's first
        response (found by the replayed week of tests/reporting/e2e).
        """
        ids = sorted(set(thread_ids))
        if not ids:
            return {}
        await self._session.execute(
            text(
                "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT"
                " hashtextextended(tid, 7) AS k FROM unnest(CAST(:ids AS text[])) AS tid"
                " ORDER BY k) AS keys"
            ),
            {"ids": ids},
        )
        rows = await self._session.execute(
            select(*[_EXCHANGES.c[name] for name in _SUMMARY_FIELDS])
            .where(_EXCHANGES.c.thread_id.in_(ids))
            .order_by(_EXCHANGES.c.thread_id)
            .with_for_update()
        )
        return {r.thread_id: _summary(r) for r in rows}

    async def save_summaries(self, summaries: Sequence[ExchangeSummary]) -> None:
        if not summaries:
            return
        rows = [
            {**vars(s), "risk_reasons": list(s.risk_reasons)}
            for s in sorted(summaries, key=lambda s: s.thread_id)
        ]
        stmt = insert(_EXCHANGES)
        stmt = stmt.on_conflict_do_update(
            index_elements=["thread_id"],
            set_={name: stmt.excluded[name] for name in _SUMMARY_FIELDS if name != "thread_id"},
        )
        await self._session.execute(stmt, rows)

    async def append_timer_events(self, events: Sequence[SlaTimerEvent]) -> set[str]:
        """Returns the event ids that were new."""
        if not events:
            return set()
        rows = [
            {
                "event_id": e.event_id,
                "timer_id": e.timer_id,
                "kind": e.kind,
                "status": e.status,
                "thread_id": e.thread_id,
                "platform": e.platform,
                "account_id": e.account_id,
                "decision_id": e.decision_id,
                "comment_id": e.comment_id,
                "category": e.category,
                "started_at": e.started_at,
                "due_at": e.due_at,
                "business_hours": e.business_hours,
                "occurred_at": e.occurred_at,
                "detail": e.detail,
            }
            for e in events
        ]
        table = table_of(ReportingTimerEventRow)
        stmt = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(table.c.event_id)
        )
        return set((await self._session.execute(stmt, rows)).scalars())
