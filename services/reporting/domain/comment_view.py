"""One comment's story for the API: its state, latest decision and every action taken."""

from __future__ import annotations

from collections.abc import Sequence

from services.reporting.domain.records import (
    ActionRecord,
    CommentEventRecord,
    CommentRecord,
    CorrectionRecord,
    DecisionRecord,
)
from services.reporting.domain.timeline import (
    latest_decision,
    message_from_decision,
    message_view,
    replay,
)
from services.reporting.domain.views import (
    ActionView,
    CommentView,
    CorrectionNoteView,
    DecisionView,
    MessageView,
    PlannedActionView,
)


def _decision_view(d: DecisionRecord) -> DecisionView:
    return DecisionView(
        decision_id=d.decision_id,
        rule_id=d.rule_id,
        reason=d.reason,
        actions=[PlannedActionView.model_validate(a) for a in d.actions],
        category=d.category,
        sla_due_at=d.sla_due_at,
        policy_version=d.policy_version,
        decided_at=d.decided_at,
    )


def _action_view(a: ActionRecord) -> ActionView:
    return ActionView(
        action_id=a.action_id,
        decision_id=a.decision_id,
        kind=a.kind,
        status=a.status,
        detail=a.detail,
        text=a.text,
        platform_ref=a.platform_ref,
        completed_at=a.completed_at,
    )


def build_comment_view(
    platform: str,
    comment_id: str,
    comment: CommentRecord | None,
    events: Sequence[CommentEventRecord],
    decisions: Sequence[DecisionRecord],
    actions: Sequence[ActionRecord],
    corrections: Sequence[CorrectionRecord] = (),
) -> CommentView | None:
    """One comment with its latest decision and all actions; None when neither is stored."""
    latest = latest_decision(decisions)
    if comment is not None:
        message: MessageView | None = message_view(comment, replay(events))
        thread_id = comment.thread_id
    elif latest is not None:
        message = message_from_decision(latest)
        thread_id = latest.thread_id
    else:
        return None
    return CommentView(
        platform=platform,
        comment_id=comment_id,
        thread_id=thread_id,
        comment=message,
        lang=latest.lang if latest else None,
        labels=list(latest.labels) if latest else [],
        scores=dict(latest.scores) if latest else {},
        decision=_decision_view(latest) if latest else None,
        actions=[
            _action_view(a) for a in sorted(actions, key=lambda a: (a.created_at, a.action_id))
        ],
        corrections=[
            CorrectionNoteView(
                labels=list(c.labels),
                note=c.note,
                source=c.source,
                corrected_by=c.corrected_by,
                at=c.at,
            )
            for c in corrections
        ],
    )
