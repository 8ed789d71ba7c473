"""Read side of the work queue and the reports: a handful of set-based queries per request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, case, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.domain.reports import ExchangeFacts, FeedbackMessage, SlaClock
from services.reporting.domain.weekly import ActionFact, AlertFact
from shared.contracts.alerts import RiskBand
from shared.contracts.exchanges import FINISHED_STATES
from shared.db.models import (
    ReportingActionRow,
    ReportingExchangeRow,
    ReportingExchangeStateRow,
    ReportingMessageRow,
    ReportingTimerEventRow,
)

QueueSort = Literal["sla_due", "risk", "last_activity"]
FINISHED = tuple(sorted(FINISHED_STATES))


@dataclass(frozen=True)
class QueueFilter:
    status: Literal["open", "resolved", "any"] = "open"
    account_id: str | None = None
    platform: str | None = None
    category: str | None = None
    risk: RiskBand | None = None
    sort: QueueSort = "sla_due"
    limit: int = 100


def exchange_status() -> Any:
    """Triage's exchange state as its last `ExchangeChanged` said; before that event has come,
    open until we first replied. The one definition the inbox and the API both use (outer-join
    `ReportingExchangeStateRow` on the thread)."""
    return func.coalesce(
        ReportingExchangeStateRow.state,
        case((ReportingExchangeRow.first_response_at.is_(None), "open"), else_="awaiting_customer"),
    )


def _queue_query(f: QueueFilter) -> Select[Any]:
    x, st = ReportingExchangeRow, ReportingExchangeStateRow
    status = exchange_status()
    q = select(x, status.label("status"), st.resolved_at).outerjoin(st, st.thread_id == x.thread_id)
    if f.status == "open":
        q = q.where(status.not_in(FINISHED))
    elif f.status == "resolved":
        q = q.where(status == "resolved")
    for column, value in (
        (x.account_id, f.account_id),
        (x.platform, f.platform),
        (x.category, f.category),
        (x.risk_band, f.risk),
    ):
        if value is not None:
            q = q.where(column == value)
    order: tuple[Any, ...] = {
        "sla_due": (x.sla_due_at.asc().nulls_last(), x.risk_score.desc()),
        "risk": (x.risk_score.desc(), x.sla_due_at.asc().nulls_last()),
        "last_activity": (x.last_activity_at.desc(), x.thread_id),
    }[f.sort]
    return q.order_by(*order, x.thread_id).limit(f.limit)


class ReportQueries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def work_queue(self, f: QueueFilter) -> list[tuple[ReportingExchangeRow, str]]:
        async with self._sessions() as s:
            rows = (await s.execute(_queue_query(f))).all()
            return [(r[0], str(r[1])) for r in rows]

    async def timer_events(self, thread_id: str) -> list[ReportingTimerEventRow]:
        async with self._sessions() as s:
            rows = await s.scalars(
                select(ReportingTimerEventRow).where(ReportingTimerEventRow.thread_id == thread_id)
            )
            return list(rows)

    async def exchange_facts(
        self, start: datetime, end: datetime, account_id: str | None = None
    ) -> list[ExchangeFacts]:
        """Exchanges whose customer wrote first in [start, end), with triage's resolution and
        the first SLA clock triage started for them."""
        x, st = ReportingExchangeRow, ReportingExchangeStateRow
        opened = [x.first_message_at >= start, x.first_message_at < end]
        if account_id is not None:
            opened.append(x.account_id == account_id)
        q = (
            select(x, exchange_status().label("status"), st.resolved_at)
            .outerjoin(st, st.thread_id == x.thread_id)
            .where(*opened)
        )
        t = ReportingTimerEventRow
        first_clocks = (
            select(t.thread_id, t.started_at, t.due_at, t.business_hours)
            .join(x, x.thread_id == t.thread_id)
            .where(*opened, t.kind == "sla", t.status == "started")
            .ext(distinct_on(t.thread_id))
            .order_by(t.thread_id, t.started_at)
        )
        async with self._sessions() as s:
            rows = (await s.execute(q)).all()
            clocks = {
                r.thread_id: SlaClock(r.started_at, r.due_at, r.business_hours)
                for r in (await s.execute(first_clocks)).all()
            }
        return [
            ExchangeFacts(
                thread_id=r[0].thread_id,
                platform=r[0].platform,
                account_id=r[0].account_id,
                category=r[0].category,
                first_message_at=r[0].first_message_at,
                first_response_at=r[0].first_response_at,
                resolved_at=r[2],
                open=str(r[1]) not in FINISHED,
                clock=clocks.get(r[0].thread_id),
            )
            for r in rows
        ]

    async def feedback(
        self, start: datetime, end: datetime, account_id: str | None = None
    ) -> list[FeedbackMessage]:
        m = ReportingMessageRow
        where = [m.improvement.is_(True), m.at >= start, m.at < end]
        if account_id is not None:
            where.append(m.account_id == account_id)
        q = select(
            m.account_id, m.thread_id, m.at, m.text, m.category, m.negativity, m.topics
        ).where(*where)
        async with self._sessions() as s:
            return [
                FeedbackMessage(
                    r.account_id,
                    r.thread_id,
                    r.at,
                    r.text,
                    r.category,
                    r.negativity,
                    tuple(str(t) for t in r.topics or ()),
                )
                for r in (await s.execute(q)).all()
            ]

    async def actions_done(
        self, start: datetime, end: datetime, account_id: str
    ) -> list[ActionFact]:
        """Actions the responder completed on the account's platforms in [start, end)."""
        a = ReportingActionRow
        q = select(a.kind, a.completed_at).where(
            a.account_id == account_id,
            a.status == "done",
            a.completed_at >= start,
            a.completed_at < end,
        )
        async with self._sessions() as s:
            rows = (await s.execute(q)).all()
        return [ActionFact(kind, at) for kind, at in rows if at is not None]

    async def alerts(self, start: datetime, end: datetime, account_id: str) -> list[AlertFact]:
        """Escalation alerts of the account in [start, end): each exchange's latest one."""
        x = ReportingExchangeRow
        q = select(x.thread_id, x.alerted_at, x.risk_score).where(
            x.account_id == account_id, x.alerted_at >= start, x.alerted_at < end
        )
        async with self._sessions() as s:
            rows = (await s.execute(q)).all()
        return [AlertFact(t, at, float(score)) for t, at, score in rows if at is not None]

    async def open_by_band(self) -> dict[str, int]:
        x = ReportingExchangeRow
        status = exchange_status()
        q = (
            select(x.risk_band, func.count())
            .outerjoin(
                ReportingExchangeStateRow, ReportingExchangeStateRow.thread_id == x.thread_id
            )
            .where(status.not_in(FINISHED))
            .group_by(x.risk_band)
        )
        async with self._sessions() as s:
            return {str(band): int(n) for band, n in (await s.execute(q)).all()}
