"""Writes the exchange history: append-only comment events and guarded current state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.domain.history import STATUS_RANK, CommentState
from shared.contracts import CommentReceived
from shared.db.models import CommentEventRow, CommentRow, table_of


def _rank(status: Any) -> ColumnElement[int]:
    return case(STATUS_RANK, value=status, else_=-1)


class CommentHistoryRepository:
    """Never commits: the handler owns the transaction, one per batch."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append_events(self, events: Sequence[CommentReceived]) -> set[str]:
        """Inserts every event once; returns the ids that were new (redeliveries are not)."""
        if not events:
            return set()
        rows = [
            {
                "event_id": e.event_id,
                "platform": e.comment.platform,
                "comment_id": e.comment.comment_id,
                "thread_id": e.comment.thread_id,
                "change": e.change,
                "text": e.comment.text,
                "occurred_at": e.occurred_at,
            }
            for e in events
        ]
        table = table_of(CommentEventRow)
        stmt = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["event_id", "occurred_at"])
            .returning(table.c.event_id)
        )
        result = await self._session.execute(stmt, rows)
        return set(result.scalars())

    async def upsert_states(self, states: Sequence[CommentState]) -> None:
        """One statement for the batch; status and text each advance only to a newer event."""
        if not states:
            return
        stmt = insert(table_of(CommentRow))
        new = stmt.excluded
        status_newer = or_(
            new.status_at > CommentRow.status_at,
            and_(
                new.status_at == CommentRow.status_at,
                _rank(new.status) >= _rank(CommentRow.status),
            ),
        )
        text_newer = and_(
            new.text_at.is_not(None),
            or_(CommentRow.text_at.is_(None), new.text_at >= CommentRow.text_at),
        )
        stmt = stmt.on_conflict_do_update(
            constraint="uq_comments_platform_id",
            set_={
                "status": case((status_newer, new.status), else_=CommentRow.status),
                "status_at": func.greatest(CommentRow.status_at, new.status_at),
                "text": case((text_newer, new.text), else_=CommentRow.text),
                "text_at": func.greatest(CommentRow.text_at, new.text_at),
                "updated_at": func.now(),
            },
            where=or_(status_newer, text_newer),
        )
        await self._session.execute(stmt, [vars(s) for s in states])
