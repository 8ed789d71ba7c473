"""Read side: a fixed, small number of indexed queries per request (never one per row)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.domain.records import (
    ActionRecord,
    CommentEventRecord,
    CommentRecord,
    CorrectionRecord,
    DecisionRecord,
    TimerRecord,
)
from services.reporting.domain.requesters import requested_by, requesters
from shared.contracts.commands import MANUAL_PREFIX
from shared.db.models import (
    CommentEventRow,
    CommentRow,
    ReportingActionRow,
    ReportingAuditRow,
    ReportingCorrectionRow,
    ReportingDecisionRow,
    ReportingTimerEventRow,
)


@dataclass(frozen=True)
class ThreadRecords:
    comments: list[CommentRecord]
    events: list[CommentEventRecord]
    decisions: list[DecisionRecord]
    actions: list[ActionRecord]
    timers: list[TimerRecord]


@dataclass(frozen=True)
class CommentRecords:
    comment: CommentRecord | None
    events: list[CommentEventRecord]
    decisions: list[DecisionRecord]
    actions: list[ActionRecord]
    corrections: list[CorrectionRecord] = field(default_factory=list)


def _correction(r: ReportingCorrectionRow) -> CorrectionRecord:
    return CorrectionRecord(
        labels=tuple(r.labels), note=r.note, source=r.source, corrected_by=r.corrected_by, at=r.at
    )


def _comment(r: CommentRow) -> CommentRecord:
    return CommentRecord(
        platform=r.platform,
        account_id=r.account_id,
        comment_id=r.comment_id,
        post_id=r.post_id,
        parent_id=r.parent_id,
        thread_id=r.thread_id,
        author_id=r.author_id,
        author_name=r.author_name,
        text=r.text,
        status=r.status,
        created_at=r.created_at,
    )


def _event(r: CommentEventRow) -> CommentEventRecord:
    return CommentEventRecord(
        event_id=r.event_id,
        platform=r.platform,
        comment_id=r.comment_id,
        thread_id=r.thread_id,
        change=r.change,
        text=r.text,
        occurred_at=r.occurred_at,
    )


def _decision(r: ReportingDecisionRow) -> DecisionRecord:
    return DecisionRecord(
        decision_id=r.decision_id,
        platform=r.platform,
        account_id=r.account_id,
        comment_id=r.comment_id,
        thread_id=r.thread_id,
        rule_id=r.rule_id,
        reason=r.reason,
        policy_version=r.policy_version,
        lang=r.lang,
        labels=[str(label) for label in r.event["labels"]],
        scores={str(k): float(v) for k, v in r.event["scores"].items()},
        category=r.category,
        sla_due_at=r.sla_due_at,
        actions=list(r.event["actions"]),
        decided_at=r.decided_at,
        event=dict(r.event),
    )


def _action(r: ReportingActionRow, by: Mapping[str, str] | None = None) -> ActionRecord:
    return ActionRecord(
        action_id=r.action_id,
        decision_id=r.decision_id,
        kind=r.kind,
        platform=r.platform,
        account_id=r.account_id,
        comment_id=r.comment_id,
        thread_id=r.thread_id,
        status=r.status,
        text=r.text,
        detail=r.detail,
        platform_ref=r.platform_ref,
        created_at=r.created_at,
        completed_at=r.completed_at,
        requested_by=requested_by(by or {}, r.action_id, r.decision_id),
    )


def _timer(r: ReportingTimerEventRow) -> TimerRecord:
    return TimerRecord(
        event_id=r.event_id,
        timer_id=r.timer_id,
        kind=r.kind,
        status=r.status,
        category=r.category,
        comment_id=r.comment_id,
        due_at=r.due_at,
        occurred_at=r.occurred_at,
        detail=r.detail,
    )


class HistoryQueries:
    """Loads the rows behind one exchange or one comment, in one read-only session."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def thread(self, thread_id: str) -> ThreadRecords:
        """Five queries, each on a `thread_id` index."""
        async with self._sessions() as s:
            comments = await s.scalars(select(CommentRow).where(CommentRow.thread_id == thread_id))
            events = await s.scalars(
                select(CommentEventRow).where(CommentEventRow.thread_id == thread_id)
            )
            decisions = await s.scalars(
                select(ReportingDecisionRow).where(ReportingDecisionRow.thread_id == thread_id)
            )
            actions = await s.scalars(
                select(ReportingActionRow).where(ReportingActionRow.thread_id == thread_id)
            )
            timers = await s.scalars(
                select(ReportingTimerEventRow).where(ReportingTimerEventRow.thread_id == thread_id)
            )
            audit = await s.execute(
                select(
                    ReportingAuditRow.actor,
                    ReportingAuditRow.action,
                    ReportingAuditRow.target,
                    ReportingAuditRow.after,
                ).where(ReportingAuditRow.thread_id == thread_id)
            )
            by = requesters([(a, act, t, after) for a, act, t, after in audit.all()])
            return ThreadRecords(
                comments=[_comment(r) for r in comments],
                events=[_event(r) for r in events],
                decisions=[_decision(r) for r in decisions],
                actions=[_action(r, by) for r in actions],
                timers=[_timer(r) for r in timers],
            )

    async def comment(self, platform: str, comment_id: str) -> CommentRecords:
        """Four queries on (platform, comment_id) indexes; actions via their decisions' ids."""
        async with self._sessions() as s:
            row = await s.scalar(
                select(CommentRow).where(
                    CommentRow.platform == platform, CommentRow.comment_id == comment_id
                )
            )
            events = await s.scalars(
                select(CommentEventRow).where(
                    CommentEventRow.platform == platform,
                    CommentEventRow.comment_id == comment_id,
                )
            )
            decision_ids = select(ReportingDecisionRow.decision_id).where(
                ReportingDecisionRow.platform == platform,
                ReportingDecisionRow.comment_id == comment_id,
            )
            decisions = await s.scalars(
                select(ReportingDecisionRow).where(
                    ReportingDecisionRow.platform == platform,
                    ReportingDecisionRow.comment_id == comment_id,
                )
            )
            actions = await s.scalars(
                select(ReportingActionRow).where(
                    or_(
                        ReportingActionRow.decision_id.in_(decision_ids),
                        and_(
                            ReportingActionRow.platform == platform,
                            ReportingActionRow.comment_id == comment_id,
                            ReportingActionRow.decision_id.startswith(MANUAL_PREFIX),
                        ),
                    )
                )
            )
            corrections = await s.scalars(
                select(ReportingCorrectionRow)
                .where(
                    ReportingCorrectionRow.platform == platform,
                    ReportingCorrectionRow.comment_id == comment_id,
                )
                .order_by(ReportingCorrectionRow.id)
            )
            audit = await s.execute(
                select(
                    ReportingAuditRow.actor,
                    ReportingAuditRow.action,
                    ReportingAuditRow.target,
                    ReportingAuditRow.after,
                ).where(ReportingAuditRow.target == comment_id)
            )
            by = requesters([(a, act, t, after) for a, act, t, after in audit.all()])
            return CommentRecords(
                comment=_comment(row) if row is not None else None,
                events=[_event(r) for r in events],
                decisions=[_decision(r) for r in decisions],
                actions=[_action(r, by) for r in actions],
                corrections=[_correction(r) for r in corrections],
            )
