"""Writing and announcing timer changes, shared by the three triage use cases that make them.

Order per batch: transitions inside the caller's transaction → commit → publish the events
(at most once each) and update the Redis index → record the published revision. A crash between
any two steps is healed by the loop's resync (re-index pending rows, republish unconfirmed ones).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.triage.adapters.timer_index import TimerIndex
from services.triage.adapters.timers import TimerRepository, events_of
from services.triage.domain.timers import TimerBook
from services.triage.metrics import TIMER_EVENTS
from shared.contracts import Envelope
from shared.db.models import SlaTimerRow
from shared.streams.names import StreamNames

if TYPE_CHECKING:
    from services.triage.adapters.unit_of_work import TimerStore

log = logging.getLogger(__name__)


async def persist_timers(timers: TimerStore, book: TimerBook, now: datetime) -> list[SlaTimerRow]:
    """The batch's cancellations, then its starts, inside the caller's unit of work."""
    cancelled = await timers.cancel(book.cancellations(), now)
    return cancelled + await timers.insert(book.starts(), now)


class TimerAnnouncer(Protocol):
    """What a use case needs after its commit: `Timekeeper`, or a test's in-memory fake."""

    async def announce(
        self, rows: Sequence[SlaTimerRow], extra: Iterable[tuple[str, Envelope]] = ()
    ) -> None: ...


class Timekeeper:
    """Publishes what committed timer transitions imply and keeps the Redis index in step."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        index: TimerIndex,
        names: StreamNames,
    ) -> None:
        self._sessions = sessions
        self.index = index
        self._names = names

    @staticmethod
    async def persist(session: AsyncSession, book: TimerBook, now: datetime) -> list[SlaTimerRow]:
        """`persist_timers` for the use cases that hold a session rather than a unit of work."""
        return await persist_timers(TimerRepository(session), book, now)

    async def announce(
        self, rows: Sequence[SlaTimerRow], extra: Iterable[tuple[str, Envelope]] = ()
    ) -> None:
        """After commit: publish (once), re-index, then record that the events are out."""
        items: list[tuple[str, Envelope]] = list(extra)
        for row in rows:
            items.extend((self._names.timers, event) for event in events_of(row))
        published = await self.index.publish_and_index(items, rows)
        if rows:
            async with self._sessions() as session:
                await TimerRepository(session).mark_published(rows)
                await session.commit()
        for row in rows:
            TIMER_EVENTS.labels(row.kind, row.state).inc()
            log.info(
                "timer %s (%s, %s) of decision %s is %s, due %s%s",
                row.timer_id,
                row.kind,
                row.category,
                row.decision_id,
                row.state,
                row.due_at.isoformat(),
                f": {row.detail}" if row.detail else "",
                extra={"correlation_id": row.thread_id, "timer_id": row.timer_id},
            )
        if published < len(items):
            log.info(
                "%d of %d timer event(s) were already published", len(items) - published, len(items)
            )
