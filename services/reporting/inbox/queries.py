"""What the inbox pages read: a handful of indexed queries per page, never one per row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, union
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters.reports import FINISHED, exchange_status
from services.reporting.domain.sla_display import first_reply_since, shown_sla_state
from shared.contracts.actions import REPLY_KINDS
from shared.db.models import (
    CommentRow,
    ReportingActionRow,
    ReportingAssignmentRow,
    ReportingDecisionRow,
    ReportingExchangeRow,
    ReportingExchangeStateRow,
    ReportingTimerEventRow,
)

THREAT_KIND = "flag_for_human"
"""R8 flags a threat for a human: whether to report it to the police is theirs to decide."""


@dataclass(frozen=True)
class QueueQuery:
    status: str = "open"
    platform: str | None = None
    account: str | None = None
    category: str | None = None
    risk: str | None = None
    lang: str | None = None
    search: str | None = None
    assigned: str = ""
    """"" (everyone's), "mine" (assigned to `me`) or "unassigned"."""
    me: str = ""
    limit: int = 200


@dataclass(frozen=True)
class QueueRow:
    thread_id: str
    platform: str
    account_id: str
    status: str
    manual: bool
    category: str | None
    sla_due_at: datetime | None
    sla_state: str | None
    risk_score: float
    risk_band: str
    risk_reasons: list[dict[str, Any]]
    messages: int
    """The customer's messages reporting holds for the thread, counted when the page is read."""
    last_activity_at: datetime
    author: str = ""
    excerpt: str = ""
    lang: str = ""
    assignee: str | None = None


@dataclass(frozen=True)
class ExchangeState:
    """Triage's state of the exchange and reporting's summary; either may not exist yet."""

    status: str
    manual: bool
    summary: ReportingExchangeRow | None
    actions: list[ReportingActionRow] = field(default_factory=list)


def _status_before_any_state(summary: ReportingExchangeRow | None) -> str:
    """As `exchange_status()` says for a thread whose state event has not come yet."""
    if summary is None or summary.first_response_at is None:
        return "open"
    return "awaiting_customer"


def _has_evidence() -> Any:
    """The outbox stores "no evidence" as JSON null, not SQL NULL."""
    return func.jsonb_typeof(ReportingActionRow.evidence) == "object"


def _queue(q: QueueQuery) -> Select[ReportingExchangeRow, str, bool, datetime | None]:
    x, st = ReportingExchangeRow, ReportingExchangeStateRow
    status = exchange_status()
    stmt = select(
        x, status.label("status"), func.coalesce(st.manual, False), st.resolved_at
    ).outerjoin(st, st.thread_id == x.thread_id)
    if q.status == "open":
        stmt = stmt.where(status.not_in(FINISHED))
    elif q.status == "resolved":
        stmt = stmt.where(status == "resolved")
    for column, value in (
        (x.platform, q.platform),
        (x.account_id, q.account),
        (x.category, q.category),
        (x.risk_band, q.risk),
    ):
        if value:
            stmt = stmt.where(column == value)
    assigned = select(ReportingAssignmentRow.thread_id)
    if q.assigned == "mine":
        stmt = stmt.where(x.thread_id.in_(assigned.where(ReportingAssignmentRow.agent == q.me)))
    elif q.assigned == "unassigned":
        stmt = stmt.where(x.thread_id.not_in(assigned))
    if q.lang:
        stmt = stmt.where(
            x.thread_id.in_(
                select(ReportingDecisionRow.thread_id).where(ReportingDecisionRow.lang == q.lang)
            )
        )
    if q.search:
        like = f"%{q.search}%"
        matching = select(CommentRow.thread_id).where(
            or_(CommentRow.text.ilike(like), CommentRow.author_name.ilike(like))
        )
        stmt = stmt.where(or_(x.thread_id.ilike(like), x.thread_id.in_(matching)))
    order = (x.sla_due_at.asc().nulls_last(), x.risk_score.desc(), x.thread_id)
    return stmt.order_by(*order).limit(q.limit)


def _message_counts(threads: Sequence[str]) -> Select[str, int]:
    """Distinct customer comments per thread: those stored, and those known so far only from a
    decision (as the thread page lists them). Counted here, not taken from the summary's
    counter, so the figure is the same whatever order comments, decisions, replies and timers
    arrived in (a reply that overtook its decision left a summary of 0 messages, and a
    concurrent first write can overwrite the count); an edit decided again is one message."""
    known = union(
        select(CommentRow.thread_id, CommentRow.comment_id).where(
            CommentRow.thread_id.in_(threads)
        ),
        select(ReportingDecisionRow.thread_id, ReportingDecisionRow.comment_id).where(
            ReportingDecisionRow.thread_id.in_(threads)
        ),
    ).subquery()
    return select(known.c.thread_id, func.count()).group_by(known.c.thread_id)


@dataclass(frozen=True)
class _Clocks:
    """What `shown_sla_state` needs beyond the summary, per thread: when each deadline's clock
    started (its `started` timer event) and when our replies were done."""

    started: dict[tuple[str, datetime], datetime] = field(default_factory=dict)
    replies: dict[str, list[datetime | None]] = field(default_factory=dict)

    def replied_at(self, x: ReportingExchangeRow) -> datetime | None:
        """Our first reply since the current clock started; until its `started` event has come,
        since the latest decided message."""
        if x.sla_due_at is None:
            return None
        since = self.started.get((x.thread_id, x.sla_due_at), x.last_customer_at)
        return first_reply_since([x.first_response_at, *self.replies.get(x.thread_id, [])], since)


async def _clocks(s: AsyncSession, threads: Sequence[str]) -> _Clocks:
    t, a = ReportingTimerEventRow, ReportingActionRow
    starts = await s.execute(
        select(t.thread_id, t.due_at, func.min(t.started_at))
        .where(t.thread_id.in_(threads), t.kind == "sla", t.status == "started")
        .group_by(t.thread_id, t.due_at)
    )
    done = await s.execute(
        select(a.thread_id, a.completed_at).where(
            a.thread_id.in_(threads), a.kind.in_(sorted(REPLY_KINDS)), a.status == "done"
        )
    )
    clocks = _Clocks(started={(th, due): at for th, due, at in starts})
    for th, at in done:
        clocks.replies.setdefault(th, []).append(at)
    return clocks


class InboxQueries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def queue(self, q: QueueQuery, now: datetime) -> list[QueueRow]:
        """Seven queries: the exchanges, their opening comments, their languages, their message
        counts (`_message_counts`), their assignees, their clocks' starts and our replies; SLA
        states as of `now` (`shown_sla_state`)."""
        async with self._sessions() as s:
            rows = (await s.execute(_queue(q))).all()
            threads = [r[0].thread_id for r in rows]
            firsts = await s.execute(
                select(CommentRow.thread_id, CommentRow.author_name, CommentRow.text)
                .where(CommentRow.thread_id.in_(threads))
                .order_by(CommentRow.thread_id, CommentRow.created_at)
                .ext(distinct_on(CommentRow.thread_id))
            )
            opening = {t: (a, txt) for t, a, txt in firsts}
            langs = await s.execute(
                select(ReportingDecisionRow.thread_id, ReportingDecisionRow.lang)
                .where(ReportingDecisionRow.thread_id.in_(threads))
                .order_by(ReportingDecisionRow.thread_id, ReportingDecisionRow.decided_at.desc())
                .ext(distinct_on(ReportingDecisionRow.thread_id))
            )
            lang = {t: str(lg) for t, lg in langs}
            counted = await s.execute(_message_counts(threads))
            messages = {str(t): int(n) for t, n in counted.all()}
            owners = await s.execute(
                select(ReportingAssignmentRow.thread_id, ReportingAssignmentRow.agent).where(
                    ReportingAssignmentRow.thread_id.in_(threads)
                )
            )
            owner = {str(t): str(a) for t, a in owners.all()}
            clocks = await _clocks(s, threads)
        return [
            replace(
                _row(r[0], str(r[1]), bool(r[2]), r[3], opening, lang, clocks, now),
                messages=messages.get(r[0].thread_id, 0),
                assignee=owner.get(r[0].thread_id),
            )
            for r in rows
        ]

    async def exchange(self, thread_id: str) -> ExchangeState:
        async with self._sessions() as s:
            state = await s.get(ReportingExchangeStateRow, thread_id)
            summary = await s.get(ReportingExchangeRow, thread_id)
            actions = await s.scalars(
                select(ReportingActionRow)
                .where(ReportingActionRow.thread_id == thread_id)
                .order_by(ReportingActionRow.created_at, ReportingActionRow.action_id)
            )
            return ExchangeState(
                status=state.state if state is not None else _status_before_any_state(summary),
                manual=state.manual if state is not None else False,
                summary=summary,
                actions=list(actions.all()),
            )

    async def threats(
        self, limit: int = 200
    ) -> list[tuple[ReportingActionRow, dict[str, Any] | None]]:
        """Flagged threats an agent has not discarded, newest first, with the preserved record
        of the comment. The exchange itself is usually `removed` (R8 deletes the comment), so
        its state says nothing about the police-report decision."""
        async with self._sessions() as s:
            rows = await s.scalars(
                select(ReportingActionRow)
                .where(
                    ReportingActionRow.kind == THREAT_KIND, ReportingActionRow.status != "skipped"
                )
                .order_by(ReportingActionRow.created_at.desc())
                .limit(limit)
            )
            flags = list(rows.all())
            kept = await s.scalars(
                select(ReportingActionRow).where(
                    ReportingActionRow.decision_id.in_([f.decision_id for f in flags]),
                    ReportingActionRow.kind == "preserve_evidence",
                )
            )
            records = {a.decision_id: a.evidence for a in kept.all()}
            return [(f, records.get(f.decision_id)) for f in flags]

    async def evidence(
        self, thread_id: str
    ) -> tuple[list[ReportingActionRow], list[ReportingDecisionRow]]:
        """The evidence records (R8) of a thread and the decisions that explain them."""
        async with self._sessions() as s:
            actions = await s.scalars(
                select(ReportingActionRow)
                .where(ReportingActionRow.thread_id == thread_id, _has_evidence())
                .order_by(ReportingActionRow.created_at, ReportingActionRow.action_id)
            )
            decisions = await s.scalars(
                select(ReportingDecisionRow)
                .where(ReportingDecisionRow.thread_id == thread_id)
                .order_by(ReportingDecisionRow.decided_at)
            )
            return list(actions.all()), list(decisions.all())


def _row(
    x: ReportingExchangeRow,
    status: str,
    manual: bool,
    resolved_at: datetime | None,
    opening: dict[str, tuple[str, str]],
    lang: dict[str, str],
    clocks: _Clocks,
    now: datetime,
) -> QueueRow:
    author, text = opening.get(x.thread_id, ("", ""))
    sla_state = shown_sla_state(
        x.sla_due_at,
        x.sla_state,
        status,
        now,
        replied_at=clocks.replied_at(x),
        closed_at=resolved_at,
    )
    return QueueRow(
        thread_id=x.thread_id,
        platform=x.platform,
        account_id=x.account_id,
        status=status,
        manual=manual,
        category=x.category,
        sla_due_at=x.sla_due_at,
        sla_state=sla_state,
        risk_score=x.risk_score,
        risk_band=x.risk_band,
        risk_reasons=[dict(r) for r in x.risk_reasons],
        messages=x.messages,
        last_activity_at=x.last_activity_at,
        author=author,
        excerpt=text[:160],
        lang=lang.get(x.thread_id, ""),
    )


def evidence_export(
    thread_id: str, actions: Sequence[ReportingActionRow], decisions: Sequence[ReportingDecisionRow]
) -> dict[str, Any]:
    """The JSON an agent hands on (e.g. to the police): records as stored, with their hashes."""
    return {
        "thread_id": thread_id,
        "evidence": [
            {"action_id": a.action_id, "kind": a.kind, "status": a.status, "record": a.evidence}
            for a in actions
        ],
        "decisions": [
            {
                "decision_id": d.decision_id,
                "comment_id": d.comment_id,
                "rule_id": d.rule_id,
                "reason": d.reason,
                "labels": list(d.event["labels"]),
                "decided_at": d.decided_at.isoformat(),
            }
            for d in decisions
        ],
    }
