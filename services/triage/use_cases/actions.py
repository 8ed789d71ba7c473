"""The actions → timers use case: our reply is done, so its SLA is met and the customer's turn.

Consumes `action.completed` with group `triage`, one batch at a time: one transaction that meets
the SLA timers the replies answered (if in time) and moves their exchanges to
`awaiting_customer` — unless a newer clock is still pending there (the customer wrote again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from services.triage.adapters.unit_of_work import UnitsOfWork
from services.triage.domain.exchange import apply_reply, exchange_changed
from services.triage.domain.timers import Timer, met_by_reply
from services.triage.timekeeping import TimerAnnouncer
from shared.clock import Clock, utcnow
from shared.contracts import ActionCompleted
from shared.contracts.actions import REPLY_KINDS
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames


class RepliesHandler:
    """Batch handler for `ActionCompleted`; raising leaves the batch pending for retry."""

    def __init__(
        self,
        *,
        units: UnitsOfWork,
        timekeeper: TimerAnnouncer,
        names: StreamNames,
        clock: Clock = utcnow,
    ) -> None:
        self._units = units
        self._timekeeper = timekeeper
        self._names = names
        self._clock = clock

    async def __call__(self, batch: Sequence[Delivery[ActionCompleted]]) -> None:
        done = [d.event for d in batch if d.event.status == "done" and d.event.kind in REPLY_KINDS]
        if not done:
            return
        now = self._clock()
        async with self._units() as uow:
            timers = uow.timers
            pending = await timers.pending_for_decisions({a.decision_id for a in done})
            rows = await timers.meet(_met(done, pending), now)
            threads = {a.thread_id for a in done}
            waiting = await timers.threads_with_pending_sla(threads)
            exchanges = await uow.store.exchanges(threads - waiting)
            moved = [apply_reply(ex, now=now) for ex in exchanges.values()]
            await uow.store.save_exchanges(m for m in moved if m != exchanges[m.thread_id])
            await uow.commit()
        changes = [(self._names.exchanges, exchange_changed(m)) for m in moved]
        await self._timekeeper.announce(rows, changes)


def _met(done: Sequence[ActionCompleted], pending: Sequence[Timer]) -> dict[str, str]:
    """timer id → how it was met, for the timers of the decisions these replies answered."""
    by_decision: dict[str, list[Timer]] = defaultdict(list)
    for timer in pending:
        by_decision[timer.decision_id].append(timer)
    met: dict[str, str] = {}
    for action in done:
        for timer in met_by_reply(by_decision[action.decision_id], action.performed_at):
            met.setdefault(
                timer.timer_id,
                f"{action.kind} {action.action_id} done at {action.performed_at.isoformat()}",
            )
    return met
