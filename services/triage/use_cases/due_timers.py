"""The timer loop: pops due points from the Redis index and lets PostgreSQL decide who fires.

Firing is `UPDATE … SET state = 'breached' WHERE timer_id = … AND state = 'pending' RETURNING`:
only the process that gets the row back publishes, after its commit. On start (and every
`SLA_RESYNC_S`) the index is rebuilt from pending rows and events that were committed but not
confirmed published are published again (at most once each), so a restart loses no timer and
fires none twice. An elapsed R10 community window becomes a follow-up `R10.reply` decision.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.triage.adapters.repository import TriageRepository
from services.triage.adapters.timer_index import parse_member
from services.triage.adapters.timers import TimerRepository
from services.triage.domain.community import community_follow_up
from services.triage.domain.ids import follow_up_decision_id
from services.triage.domain.policy import Policy
from services.triage.timekeeping import Timekeeper
from shared.accounts import AccountDirectory
from shared.clock import Clock, utcnow
from shared.contracts import DecisionMade, Envelope
from shared.db.models import SlaTimerRow
from shared.streams.names import StreamNames

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoopConfig:
    tick_s: float
    batch: int
    resync_s: float


class TimerLoop:
    """Runs inside triage (`runtime.spawn`); any number of triage processes may run one."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        timekeeper: Timekeeper,
        policy: Policy,
        accounts: AccountDirectory,
        names: StreamNames,
        config: LoopConfig,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._keeper = timekeeper
        self._policy = policy
        self._accounts = accounts
        self._names = names
        self._config = config
        self._clock = clock

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: resync, then tick; failures are logged with their cause and retried."""
        last_sync = -float("inf")
        while not stop.is_set():
            try:
                if time.monotonic() - last_sync >= self._config.resync_s:
                    await self.resync()
                    last_sync = time.monotonic()
                while await self.tick() >= self._config.batch and not stop.is_set():
                    pass
            except Exception:
                log.exception("timer loop failed; the timers stay pending and are retried")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self._config.tick_s)
            except TimeoutError:
                pass

    async def tick(self) -> int:
        """Fire what is due now; returns how many index points were handled."""
        now = self._clock()
        members = await self._keeper.index.due(now, self._config.batch)
        if not members:
            return 0
        points = [parse_member(m) for m in members]
        due = {tid for tid, point in points if point == "due"}
        soon = {tid for tid, point in points if point == "soon"} - due
        async with self._sessions() as session:
            repo = TimerRepository(session)
            rows = await repo.mark_due_soon(soon, now) + await repo.fire(due, now)
            elapsed = [r for r in rows if r.state == "elapsed"]
            follow_ups, started = await self._follow_up(session, elapsed, now)
            await session.commit()
        await self._keeper.announce(rows + started, self._decisions(follow_ups))
        await self._keeper.index.remove(members)
        return len(members)

    async def resync(self) -> None:
        """Re-index every pending row; republish committed but unconfirmed events."""
        after, indexed = "", 0
        while True:
            async with self._sessions() as session:
                page = await TimerRepository(session).pending(after, self._config.batch)
            if not page:
                break
            await self._keeper.index.schedule(page)
            after, indexed = page[-1].timer_id, indexed + len(page)
        async with self._sessions() as session:
            unpublished = await TimerRepository(session).unpublished(self._config.batch)
            elapsed = [r for r in unpublished if r.state == "elapsed"]
            ids = {follow_up_decision_id(r.timer_id) for r in elapsed}
            stored = await TriageRepository(session).stored_events(ids)
        follow_ups = [DecisionMade.model_validate(body) for body in stored.values()]
        await self._keeper.announce(unpublished, self._decisions(follow_ups))
        log.info("timer index resynced: %d pending, %d republished", indexed, len(unpublished))

    def _decisions(self, made: Sequence[DecisionMade]) -> list[tuple[str, Envelope]]:
        return [(self._names.decisions, decision) for decision in made]

    async def _follow_up(
        self, session: AsyncSession, elapsed: Sequence[SlaTimerRow], now: datetime
    ) -> tuple[list[DecisionMade], list[SlaTimerRow]]:
        """R10: the window ran out with no community answer, so we reply, on a fresh SLA."""
        if not elapsed:
            return [], []
        triage = TriageRepository(session)
        originals = await triage.stored_events({r.decision_id for r in elapsed})
        made, timers = [], []
        for row in elapsed:
            body = originals.get(row.decision_id)
            if body is None:
                raise LookupError(
                    f"community timer {row.timer_id} of thread {row.thread_id} refers to decision "
                    f"{row.decision_id}, which is not stored; cannot plan R10's reply"
                )
            original = DecisionMade.model_validate(body)
            account = self._accounts.get(original.comment.platform, original.comment.account_id)
            decision, timer = community_follow_up(
                original, row.timer_id, self._policy, account, now
            )
            made.append(decision)
            if timer is not None:
                timers.append(timer)
        await triage.insert_decisions(made, now)
        return made, await TimerRepository(session).insert(timers, now)
