"""The `sla_timers` table: set-based reads and conditional transitions per batch.

Every transition is `UPDATE … WHERE state = 'pending'` (or `due_soon_sent_at IS NULL`) with
RETURNING: of two processes racing for one timer only the one that gets the row back publishes.
Each transition bumps `revision`; `published_revision` catches up once its events are out.
Never commits: the caller owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.triage.domain.timers import Timer, timer_event_id
from shared.contracts import SlaTimerEvent, TimerStatus
from shared.db.models import SlaTimerRow, table_of

_TIMER_FIELDS = (
    "timer_id",
    "kind",
    "thread_id",
    "platform",
    "account_id",
    "decision_id",
    "comment_id",
    "category",
    "started_at",
    "due_soon_at",
    "due_at",
    "state",
    "business_hours",
)
_TIMERS = table_of(SlaTimerRow)


def to_timer(row: SlaTimerRow) -> Timer:
    return Timer(**{name: getattr(row, name) for name in _TIMER_FIELDS})


class TimerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def pending_by_thread(self, thread_ids: Collection[str]) -> dict[str, list[Timer]]:
        if not thread_ids:
            return {}
        c = _TIMERS.c
        rows = await self._session.execute(
            select(*[c[name] for name in _TIMER_FIELDS])
            .where(c.thread_id.in_(list(thread_ids)), c.state == "pending")
            .order_by(c.started_at)
        )
        by_thread: dict[str, list[Timer]] = defaultdict(list)
        for row in rows:
            by_thread[row.thread_id].append(Timer(**row._asdict()))
        return dict(by_thread)

    async def pending_for_decisions(self, decision_ids: Collection[str]) -> list[Timer]:
        if not decision_ids:
            return []
        rows = await self._session.scalars(
            select(SlaTimerRow).where(
                SlaTimerRow.decision_id.in_(list(decision_ids)), SlaTimerRow.state == "pending"
            )
        )
        return [to_timer(row) for row in rows]

    async def threads_with_pending_sla(self, thread_ids: Collection[str]) -> set[str]:
        if not thread_ids:
            return set()
        rows = await self._session.scalars(
            select(SlaTimerRow.thread_id).where(
                SlaTimerRow.thread_id.in_(list(thread_ids)),
                SlaTimerRow.state == "pending",
                SlaTimerRow.kind == "sla",
            )
        )
        return set(rows)

    async def insert(self, timers: Sequence[Timer], now: datetime) -> list[SlaTimerRow]:
        """New timers (ON CONFLICT DO NOTHING: a timer id exists at most once)."""
        if not timers:
            return []
        values = [
            {
                **{name: getattr(t, name) for name in _TIMER_FIELDS},
                "detail": "",
                "revision": 1,
                "published_revision": 0,
                "created_at": now,
            }
            for t in timers
        ]
        stmt = (
            insert(SlaTimerRow)
            .on_conflict_do_nothing(index_elements=[SlaTimerRow.timer_id])
            .returning(SlaTimerRow)
        )
        return list((await self._session.scalars(stmt, values)).all())

    async def _transition(
        self, ids: Collection[str], values: Mapping[str, Any], *conditions: Any
    ) -> list[SlaTimerRow]:
        if not ids:
            return []
        stmt = (
            update(SlaTimerRow)
            .where(SlaTimerRow.timer_id.in_(list(ids)), SlaTimerRow.state == "pending", *conditions)
            .values(revision=SlaTimerRow.revision + 1, **values)
            .returning(SlaTimerRow)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        return list((await self._session.scalars(stmt)).all())

    async def _settle(
        self, details: Mapping[str, str], state: str, now: datetime
    ) -> list[SlaTimerRow]:
        """One statement for the batch; each timer keeps its own detail."""
        if not details:
            return []
        detail = case(dict(details), value=SlaTimerRow.timer_id, else_="")
        values = {"state": state, "settled_at": now, "detail": detail}
        return await self._transition(details.keys(), values)

    async def cancel(self, reasons: Mapping[str, str], now: datetime) -> list[SlaTimerRow]:
        return await self._settle(reasons, "cancelled", now)

    async def meet(self, details: Mapping[str, str], now: datetime) -> list[SlaTimerRow]:
        """Timers our reply met in time (the caller checked the reply's time against due_at)."""
        return await self._settle(details, "met", now)

    async def fire(self, ids: Collection[str], now: datetime) -> list[SlaTimerRow]:
        """Due timers: SLA ones breach, community windows elapse."""
        state = case((SlaTimerRow.kind == "sla", "breached"), else_="elapsed")
        values = {"state": state, "settled_at": now, "detail": "due time passed"}
        return await self._transition(ids, values, SlaTimerRow.due_at <= now)

    async def mark_due_soon(self, ids: Collection[str], now: datetime) -> list[SlaTimerRow]:
        return await self._transition(
            ids,
            {"due_soon_sent_at": now},
            SlaTimerRow.due_soon_sent_at.is_(None),
            SlaTimerRow.due_soon_at <= now,
        )

    async def pending(self, after: str, limit: int) -> list[SlaTimerRow]:
        """Pending rows in id order, a page at a time: the Redis index is rebuilt from these."""
        rows = await self._session.scalars(
            select(SlaTimerRow)
            .where(SlaTimerRow.state == "pending", SlaTimerRow.timer_id > after)
            .order_by(SlaTimerRow.timer_id)
            .limit(limit)
        )
        return list(rows)

    async def unpublished(self, limit: int) -> list[SlaTimerRow]:
        rows = await self._session.scalars(
            select(SlaTimerRow)
            .where(SlaTimerRow.revision > SlaTimerRow.published_revision)
            .limit(limit)
        )
        return list(rows)

    async def mark_published(self, rows: Iterable[SlaTimerRow]) -> None:
        """Records the revision whose events are out; a later transition stays unpublished."""
        params = [{"tid": row.timer_id, "rev": row.revision} for row in rows]
        if not params:
            return
        table = cast(Table, SlaTimerRow.__table__)
        stmt = (
            table.update()
            .where(table.c.timer_id == bindparam("tid"))
            .values(published_revision=func.greatest(table.c.published_revision, bindparam("rev")))
        )
        await self._session.execute(stmt, params)


def events_of(row: SlaTimerRow) -> list[SlaTimerEvent]:
    """Every event the row's history implies; ids are deterministic, so republishing is safe."""
    happened: list[tuple[TimerStatus, datetime, str]] = [("started", row.created_at, "")]
    if row.due_soon_sent_at is not None:
        happened.append(("due_soon", row.due_soon_sent_at, ""))
    if row.state != "pending" and row.settled_at is not None:
        happened.append((row.state, row.settled_at, row.detail))  # type: ignore[arg-type]
    return [_event(row, status, at, detail) for status, at, detail in happened]


def _event(row: SlaTimerRow, status: TimerStatus, at: datetime, detail: str) -> SlaTimerEvent:
    return SlaTimerEvent(
        event_id=timer_event_id(row.timer_id, status),
        occurred_at=at,
        correlation_id=row.thread_id,
        account_id=row.account_id,
        timer_id=row.timer_id,
        kind=row.kind,
        status=status,
        thread_id=row.thread_id,
        platform=row.platform,
        decision_id=row.decision_id,
        comment_id=row.comment_id,
        category=row.category,
        started_at=row.started_at,
        due_soon_at=row.due_soon_at,
        due_at=row.due_at,
        business_hours=row.business_hours,
        detail=detail,
    )
