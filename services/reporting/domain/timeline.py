"""Assembles an exchange's timeline and a comment's story from plain rows, without I/O."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from services.reporting.domain.history import STATUS_BY_CHANGE, STATUS_RANK
from services.reporting.domain.records import (
    ActionRecord,
    CommentEventRecord,
    CommentRecord,
    DecisionRecord,
    TimerRecord,
)
from services.reporting.domain.views import (
    ActionEntry,
    AuthorView,
    CommentEditedEntry,
    CommentEntry,
    CommentRemovedEntry,
    DecisionEntry,
    HistoryEntry,
    MessageView,
    PlannedActionView,
    SlaEntry,
    ThreadView,
    TimelineEntry,
)
from shared.contracts import Comment

_TYPE_ORDER = {
    "comment": 0,
    "comment_edited": 1,
    "comment_removed": 2,
    "decision": 3,
    "action": 4,
    "sla": 5,
}


class StoredEventInvalid(ValueError):
    """A decision row whose stored event no longer parses: a schema drift someone must fix."""


@dataclass(frozen=True)
class Step:
    event: CommentEventRecord
    text: str
    previous: str | None


def replay(events: Sequence[CommentEventRecord]) -> list[Step]:
    """Replays one comment's events in order; a removal keeps the text it removed."""
    ordered = sorted(
        events, key=lambda e: (e.occurred_at, STATUS_RANK[STATUS_BY_CHANGE[e.change]], e.event_id)
    )
    steps: list[Step] = []
    last: str | None = None
    for event in ordered:
        text = event.text
        if event.change == "removed" and not text and last is not None:
            text = last
        steps.append(Step(event, text, last))
        last = text
    return steps


def _by_comment(events: Sequence[CommentEventRecord]) -> dict[str, list[CommentEventRecord]]:
    grouped: dict[str, list[CommentEventRecord]] = defaultdict(list)
    for event in events:
        grouped[event.comment_id].append(event)
    return grouped


def _history(steps: Sequence[Step]) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            event_id=s.event.event_id,
            change=s.event.change,
            text=s.text,
            at=s.event.occurred_at,
        )
        for s in steps
    ]


def message_view(row: CommentRecord, steps: Sequence[Step]) -> MessageView:
    return MessageView(
        comment_id=row.comment_id,
        parent_id=row.parent_id,
        post_id=row.post_id,
        author=AuthorView(id=row.author_id, name=row.author_name),
        text=row.text,
        status=row.status,
        created_at=row.created_at,
        history=_history(steps),
    )


def latest_decision(decisions: Sequence[DecisionRecord]) -> DecisionRecord | None:
    return max(decisions, key=lambda d: (d.decided_at, d.decision_id), default=None)


def message_from_decision(decision: DecisionRecord) -> MessageView:
    """The comment as triage saw it, for when reporting has not stored the comment yet."""
    try:
        comment = Comment.model_validate(decision.event.get("comment"))
    except ValidationError as exc:
        raise StoredEventInvalid(
            f"decision {decision.decision_id} ({decision.platform}:{decision.comment_id}) "
            f"has no valid comment in its stored event: {exc}"
        ) from exc
    change = str(decision.event.get("change", "created"))
    return MessageView(
        comment_id=comment.comment_id,
        parent_id=comment.parent_id,
        post_id=comment.post_id,
        author=AuthorView(id=comment.author.id, name=comment.author.name),
        text=comment.text,
        status=STATUS_BY_CHANGE.get(change, "active"),
        created_at=comment.created_at,
        history=[],
    )


def _comment_entries(
    steps: Sequence[Step], author: AuthorView | None, parent_id: str | None
) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for s in steps:
        e = s.event
        if e.change == "created":
            entries.append(
                CommentEntry(
                    at=e.occurred_at,
                    comment_id=e.comment_id,
                    parent_id=parent_id,
                    author=author,
                    text=s.text,
                )
            )
        elif e.change == "edited":
            entries.append(
                CommentEditedEntry(
                    at=e.occurred_at, comment_id=e.comment_id, text=s.text, previous_text=s.previous
                )
            )
        else:
            entries.append(
                CommentRemovedEntry(at=e.occurred_at, comment_id=e.comment_id, text=s.text)
            )
    return entries


def _decision_entry(d: DecisionRecord) -> DecisionEntry:
    return DecisionEntry(
        at=d.decided_at,
        decision_id=d.decision_id,
        comment_id=d.comment_id,
        rule_id=d.rule_id,
        reason=d.reason,
        labels=list(d.labels),
        actions=[PlannedActionView.model_validate(a) for a in d.actions],
        category=d.category,
        sla_due_at=d.sla_due_at,
        policy_version=d.policy_version,
    )


def _action_entry(a: ActionRecord) -> ActionEntry:
    return ActionEntry(
        at=a.completed_at or a.created_at,
        action_id=a.action_id,
        decision_id=a.decision_id,
        comment_id=a.comment_id,
        kind=a.kind,
        status=a.status,
        detail=a.detail,
        text=a.text,
        platform_ref=a.platform_ref,
        requested_by=a.requested_by,
    )


def _sla_entry(t: TimerRecord) -> SlaEntry:
    return SlaEntry(
        at=t.occurred_at,
        timer_id=t.timer_id,
        kind=t.kind,
        status=t.status,
        comment_id=t.comment_id,
        category=t.category,
        due_at=t.due_at,
        detail=t.detail,
    )


def _sort_key(entry: TimelineEntry) -> tuple[datetime, int]:
    return entry.at, _TYPE_ORDER[entry.type]


def _messages_and_comment_entries(
    comments: Sequence[CommentRecord],
    events: Sequence[CommentEventRecord],
    decisions: Sequence[DecisionRecord],
) -> tuple[list[MessageView], list[TimelineEntry]]:
    """Stored comments first; a comment known only from a decision is taken from its event."""
    grouped = _by_comment(events)
    messages: list[MessageView] = []
    entries: list[TimelineEntry] = []
    for row in comments:
        steps = replay(grouped.get(row.comment_id, []))
        message = message_view(row, steps)
        messages.append(message)
        entries.extend(_comment_entries(steps, message.author, row.parent_id))
    stored = {row.comment_id for row in comments}
    undecided: dict[str, list[DecisionRecord]] = defaultdict(list)
    for d in decisions:
        if d.comment_id not in stored:
            undecided[d.comment_id].append(d)
    for group in undecided.values():
        m = message_from_decision(max(group, key=lambda d: (d.decided_at, d.decision_id)))
        messages.append(m)
        entries.append(
            CommentEntry(
                at=m.created_at,
                comment_id=m.comment_id,
                parent_id=m.parent_id,
                author=m.author,
                text=m.text,
            )
        )
    messages.sort(key=lambda m: (m.created_at, m.comment_id))
    return messages, entries


def build_thread_view(
    thread_id: str,
    comments: Sequence[CommentRecord],
    events: Sequence[CommentEventRecord],
    decisions: Sequence[DecisionRecord],
    actions: Sequence[ActionRecord],
    timers: Sequence[TimerRecord] = (),
) -> ThreadView | None:
    """The whole exchange in time order; None when nothing at all is known about it."""
    origins: list[CommentRecord | DecisionRecord | ActionRecord] = [*comments, *decisions, *actions]
    origin = origins[0] if origins else None
    if origin is None:
        return None
    messages, entries = _messages_and_comment_entries(comments, events, decisions)
    entries.extend(_decision_entry(d) for d in decisions)
    entries.extend(_action_entry(a) for a in actions)
    entries.extend(_sla_entry(t) for t in timers)
    entries.sort(key=_sort_key)
    return ThreadView(
        thread_id=thread_id,
        platform=origin.platform,
        account_id=origin.account_id,
        messages=messages,
        timeline=entries,
    )
