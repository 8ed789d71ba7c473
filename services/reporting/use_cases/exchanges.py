"""The exchanges → exchange states use case: reporting's read model of triage's exchanges.

Every `ExchangeChanged` carries the whole state; the newest `updated_at` wins
(`adapters/snapshots.py`), so redeliveries and reordered events end in triage's latest.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters.snapshots import newest, upsert_newest
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


class ExchangeStatesHandler:
    """Batch handler for `ExchangeChanged`: one upsert, one commit; raising redelivers it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, batch: Sequence[Delivery[ExchangeChanged]]) -> None:
        states = newest([d.event for d in batch], lambda e: e.thread_id, lambda e: e.updated_at)
        rows = [{name: getattr(e, name) for name in _FIELDS} for e in states]
        async with self._sessions() as session, session.begin():
            await upsert_newest(session, _STATES, rows, "thread_id", "updated_at")
