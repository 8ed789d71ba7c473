"""A supervisor's decision on a threat: reported to the police (case reference) or not (why).

The seed leaves this decision to a person; the system records it, with who and when, in the
evidence export, and closes the case: the exchange is resolved through triage (an agent
command), so its clocks stop and it leaves the open queue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters import workspace as store
from services.reporting.adapters.people import audit
from services.reporting.domain.workspace import (
    Invalid,
    NotFound,
    police_decision_problem,
    require,
)
from shared.clock import Clock, utcnow
from shared.contracts import AgentCommand
from shared.people import Principal
from shared.streams.names import StreamNames
from shared.streams.publisher import Publisher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PoliceDecision:
    thread_id: str
    reported: bool
    case_ref: str | None
    reason: str | None
    decided_by: str
    decided_at: datetime


class PoliceReports:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publisher: Publisher,
        names: StreamNames,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._names = names
        self._clock = clock

    async def decide(
        self,
        who: Principal,
        thread_id: str,
        reported: bool,
        case_ref: str | None = None,
        reason: str | None = None,
    ) -> PoliceDecision:
        require(who, "police_report")
        problem = police_decision_problem(reported, case_ref, reason)
        if problem is not None:
            raise Invalid(problem, problem.split(":", 1)[0])
        now = self._clock()
        decision = PoliceDecision(
            thread_id,
            reported,
            case_ref.strip() if reported and case_ref else None,
            reason.strip() if not reported and reason else None,
            who.name,
            now,
        )
        async with self._sessions.begin() as session:
            comments = await store.thread_comments(session, thread_id)
            if not comments:
                raise NotFound(f"unknown exchange {thread_id!r}")
            before = await store.police_decision(session, thread_id)
            values = {
                "thread_id": thread_id,
                "reported": decision.reported,
                "case_ref": decision.case_ref,
                "reason": decision.reason,
                "decided_by": who.name,
                "decided_at": now,
            }
            await store.record_police_decision(session, values)
            await audit(
                session,
                who,
                "police_report",
                now,
                thread_id=thread_id,
                before=_as_dict(before) if before is not None else None,
                after={k: v for k, v in values.items() if k not in ("thread_id", "decided_at")},
            )
        resolve = AgentCommand(
            occurred_at=now,
            correlation_id=thread_id,
            account_id=comments[0].account_id,
            kind="resolve",
            thread_id=thread_id,
            agent=who.name,
        )
        await self._publisher.publish([(self._names.commands, resolve)])
        log.info("police-report decision recorded", extra={"correlation_id": thread_id})
        return decision

    async def get(self, thread_id: str) -> PoliceDecision | None:
        async with self._sessions() as session:
            row = await store.police_decision(session, thread_id)
        if row is None:
            return None
        return PoliceDecision(
            row.thread_id, row.reported, row.case_ref, row.reason, row.decided_by, row.decided_at
        )


def _as_dict(row: object) -> dict[str, object]:
    return {
        "reported": getattr(row, "reported", None),
        "case_ref": getattr(row, "case_ref", None),
        "reason": getattr(row, "reason", None),
        "decided_by": getattr(row, "decided_by", None),
    }
