"""The timers → history and deadlines use case: SLA timer events settle the exchange's clock."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters import notifications as outbox
from services.reporting.adapters.signals import ReportingRepository
from services.reporting.domain.notifications import Addressing, notice_from_timer
from services.reporting.domain.summary import apply_timer
from services.reporting.metrics import SLA_EVENTS
from shared.clock import Clock, utcnow
from shared.contracts import SlaTimerEvent
from shared.streams.consumer import Delivery


class TimerHandler:
    """Appends SLA timer events to the history, settles the exchange's deadline, and notifies
    the account's webhooks of a clock due soon or breached (in the same transaction)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        notify: Addressing | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._notify = notify
        self._clock = clock

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
            if self._notify is not None:
                outgoing = self._notify(map(notice_from_timer, fresh))
                await outbox.enqueue(session, outgoing, self._clock())
        for e in fresh:
            if e.kind == "sla":
                SLA_EVENTS.labels(e.status).inc()
