"""The exchanges → exchange states use case: reporting's read model of triage's exchanges.

Every `ExchangeChanged` carries the whole state; the newest `updated_at` wins, so redeliveries,
republished states and events that overtake each other on the way all end in triage's latest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.contracts.exchanges import ExchangeChanged
from shared.db.models import ReportingExchangeStateRow, table_of
from shared.streams.consumer import Delivery

_STATES = table_of(ReportingExchangeStateRow)
_FIELDS = (
    "thread_id",
    "platform",
    "account_id",
    "state",
    "category",
    "manual",
    "sla_due_at",
    "resolved_at",
    "escalated_at",
    "updated_at",
)


def newest_per_thread(events: Sequence[ExchangeChanged]) -> list[ExchangeChanged]:
    """One state per thread (the latest), in thread order so concurrent batches lock alike."""
    newest: dict[str, ExchangeChanged] = {}
    for e in events:
        seen = newest.get(e.thread_id)
        if seen is None or e.updated_at >= seen.updated_at:
            newest[e.thread_id] = e
    return [newest[t] for t in sorted(newest)]


def _row(e: ExchangeChanged) -> dict[str, Any]:
    return {name: getattr(e, name) for name in _FIELDS}


class ExchangeStatesHandler:
    """Batch handler for `ExchangeChanged`: one upsert, one commit; raising redelivers it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, batch: Sequence[Delivery[ExchangeChanged]]) -> None:
        rows = [_row(e) for e in newest_per_thread([d.event for d in batch])]
        if not rows:
            return
        stmt = insert(_STATES)
        newer = stmt.excluded.updated_at >= _STATES.c.updated_at
        upsert = stmt.on_conflict_do_update(
            index_elements=["thread_id"],
            set_={name: stmt.excluded[name] for name in _FIELDS if name != "thread_id"},
            where=newer,
        )
        async with self._sessions() as session, session.begin():
            await session.execute(upsert, rows)
