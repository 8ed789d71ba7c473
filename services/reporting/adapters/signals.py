"""Reporting's own tables: message signals, exchange summaries and timer events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.domain.signals import MessageSignal
from services.reporting.domain.summary import ExchangeSummary
from shared.contracts import SlaTimerEvent
from shared.db.models import (
    ReportingExchangeRow,
    ReportingMessageRow,
    ReportingTimerEventRow,
    table_of,
)

_SUMMARY_FIELDS = tuple(ExchangeSummary.__dataclass_fields__)


def _signal(r: ReportingMessageRow) -> MessageSignal:
    return MessageSignal(
        decision_id=r.decision_id,
        thread_id=r.thread_id,
        platform=r.platform,
        account_id=r.account_id,
        comment_id=r.comment_id,
        author_id=r.author_id,
        at=r.at,
        negativity=r.negativity,
        toxicity=r.toxicity,
        category=r.category,
        topics=tuple(str(t) for t in r.topics),
        improvement=r.improvement,
        text=r.text,
    )


def _summary(r: ReportingExchangeRow) -> ExchangeSummary:
    values = {name: getattr(r, name) for name in _SUMMARY_FIELDS}
    values["risk_reasons"] = tuple(r.risk_reasons)
    return ExchangeSummary(**values)

ACCOUNT_WINDOW_ROWS = 500
"""Newest negative messages per account read for one batch's storm feature."""


class ReportingRepository:
    """Never commits: the handler owns the transaction, one per batch; a few statements each."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_messages(self, signals: Sequence[MessageSignal]) -> set[str]:
        """Returns the decision ids that were new (a redelivery adds nothing)."""
        if not signals:
            return set()
        rows = [{**vars(s), "topics": list(s.topics)} for s in signals]
        table = table_of(ReportingMessageRow)
        stmt = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["decision_id"])
            .returning(table.c.decision_id)
        )
        return set((await self._session.execute(stmt, rows)).scalars())

    async def thread_messages(
        self, thread_ids: Iterable[str], since: datetime
    ) -> dict[str, list[MessageSignal]]:
        rows = await self._session.scalars(
            select(ReportingMessageRow).where(
                ReportingMessageRow.thread_id.in_(list(thread_ids)),
                ReportingMessageRow.at >= since,
            )
        )
        grouped: dict[str, list[MessageSignal]] = {}
        for r in rows:
            grouped.setdefault(r.thread_id, []).append(_signal(r))
        return grouped

    async def account_messages(
        self, account_ids: Iterable[str], since: datetime, *, newest: int = ACCOUNT_WINDOW_ROWS
    ) -> list[MessageSignal]:
        """Each account's newest negative messages since `since`, newest first, at most `newest`.

        The storm feature is full after a handful of exchanges, so in a storm the newest rows
        are all it reads; the bound keeps one batch from loading an account's whole hour.
        """
        signals: list[MessageSignal] = []
        for account_id in sorted(set(account_ids)):
            rows = await self._session.scalars(
                select(ReportingMessageRow)
                .where(
                    ReportingMessageRow.account_id == account_id,
                    ReportingMessageRow.at >= since,
                    ReportingMessageRow.negativity >= 0.5,
                )
                .order_by(ReportingMessageRow.at.desc())
                .limit(newest)
            )
            signals += [_signal(r) for r in rows]
        return signals

    async def summaries(self, thread_ids: Iterable[str]) -> dict[str, ExchangeSummary]:
        """Locks the rows, so two consumers never fold the same exchange at once."""
        rows = await self._session.scalars(
            select(ReportingExchangeRow)
            .where(ReportingExchangeRow.thread_id.in_(sorted(thread_ids)))
            .with_for_update()
        )
        return {r.thread_id: _summary(r) for r in rows}

    async def save_summaries(self, summaries: Sequence[ExchangeSummary]) -> None:
        if not summaries:
            return
        rows = [{**vars(s), "risk_reasons": list(s.risk_reasons)} for s in summaries]
        stmt = insert(table_of(ReportingExchangeRow))
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
