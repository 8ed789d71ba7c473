"""The action states → actions use case: reporting's read model of responder's outbox.

Every `ActionChanged` carries the whole row; the highest `revision` wins
(`adapters/snapshots.py`). Timelines, drafts awaiting approval, the threats page and the
evidence export read `reporting_actions`, never responder's `actions`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters.snapshots import newest, upsert_newest
from shared.contracts import ActionChanged
from shared.db.models import ReportingActionRow, table_of
from shared.streams.consumer import Delivery

_ACTIONS = table_of(ReportingActionRow)
_FIELDS = tuple(c.name for c in _ACTIONS.columns)


class ActionStatesHandler:
    """Batch handler for `ActionChanged`: one upsert, one commit; raising redelivers it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, batch: Sequence[Delivery[ActionChanged]]) -> None:
        states = newest([d.event for d in batch], lambda e: e.action_id, lambda e: e.revision)
        rows = [{name: getattr(e, name) for name in _FIELDS} for e in states]
        async with self._sessions() as session, session.begin():
            await upsert_newest(session, _ACTIONS, rows, "action_id", "revision")
