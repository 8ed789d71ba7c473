"""Plain rows as the read side sees them: what the timeline is assembled from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CommentRecord:
    """Current state of one comment (reporting's `comments` table)."""

    platform: str
    account_id: str
    comment_id: str
    post_id: str
    parent_id: str | None
    thread_id: str
    author_id: str
    author_name: str
    text: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class CommentEventRecord:
    """One accepted comment event (reporting's `comment_events` table)."""

    event_id: str
    platform: str
    comment_id: str
    thread_id: str
    change: str
    text: str
    occurred_at: datetime


@dataclass(frozen=True)
class DecisionRecord:
    """One triage decision (triage's `decisions` table); `event` is the published DecisionMade."""

    decision_id: str
    platform: str
    account_id: str
    comment_id: str
    thread_id: str
    rule_id: str
    reason: str
    policy_version: str
    lang: str
    labels: list[str]
    scores: dict[str, float]
    category: str | None
    sla_due_at: datetime | None
    actions: list[dict[str, Any]]
    decided_at: datetime
    event: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionRecord:
    """One outbox row (responder's `actions` table)."""

    action_id: str
    decision_id: str
    kind: str
    platform: str
    account_id: str
    comment_id: str
    thread_id: str
    status: str
    text: str | None
    detail: str
    platform_ref: str | None
    created_at: datetime
    completed_at: datetime | None
    requested_by: str | None = None
    """The person or key who asked for it by hand (approved, undid, wrote), from the audit log."""


@dataclass(frozen=True)
class TimerRecord:
    """One SLA or community-window timer event (reporting's `reporting_timer_events` table)."""

    event_id: str
    timer_id: str
    kind: str
    status: str
    category: str | None
    comment_id: str
    due_at: datetime
    occurred_at: datetime
    detail: str


@dataclass(frozen=True)
class CorrectionRecord:
    """An agent's correction of a comment's labels (`not:x` denies x)."""

    labels: tuple[str, ...]
    note: str
    source: str
    corrected_by: str
    at: datetime
