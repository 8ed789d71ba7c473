"""What the read API answers: pydantic models, so the OpenAPI schema documents every field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class AuthorView(View):
    id: str
    name: str


class HistoryEntry(View):
    """One change to a comment; `text` of a removal is the text that was removed."""

    event_id: str
    change: Literal["created", "edited", "removed"]
    text: str
    at: datetime


class MessageView(View):
    comment_id: str
    parent_id: str | None
    post_id: str
    author: AuthorView
    text: str
    """Last known text; kept after removal as evidence."""
    status: str
    created_at: datetime
    history: list[HistoryEntry]


class PlannedActionView(View):
    model_config = ConfigDict(frozen=True, extra="ignore")

    action_id: str
    kind: str
    template: str | None = None
    not_before: datetime | None = None


class CommentEntry(View):
    type: Literal["comment"] = "comment"
    at: datetime
    comment_id: str
    parent_id: str | None
    author: AuthorView | None
    text: str


class CommentEditedEntry(View):
    type: Literal["comment_edited"] = "comment_edited"
    at: datetime
    comment_id: str
    text: str
    previous_text: str | None


class CommentRemovedEntry(View):
    type: Literal["comment_removed"] = "comment_removed"
    at: datetime
    comment_id: str
    text: str
    """The text at the time of removal, kept as evidence."""


class DecisionEntry(View):
    type: Literal["decision"] = "decision"
    at: datetime
    decision_id: str
    comment_id: str
    rule_id: str
    reason: str
    labels: list[str]
    actions: list[PlannedActionView]
    category: str | None
    sla_due_at: datetime | None
    policy_version: str


class ActionEntry(View):
    type: Literal["action"] = "action"
    at: datetime
    action_id: str
    decision_id: str
    comment_id: str
    kind: str
    status: str
    detail: str
    text: str | None
    platform_ref: str | None
    requested_by: str | None = None
    """The person (or API key) who asked for this action by hand; None for the policy's own."""


class SlaEntry(View):
    """A first-response (or community-window) timer changed: started, due soon, met, breached."""

    type: Literal["sla"] = "sla"
    at: datetime
    timer_id: str
    kind: str
    status: str
    comment_id: str
    category: str | None
    due_at: datetime
    detail: str


TimelineEntry = Annotated[
    CommentEntry
    | CommentEditedEntry
    | CommentRemovedEntry
    | DecisionEntry
    | ActionEntry
    | SlaEntry,
    Field(discriminator="type"),
]


class ThreadView(View):
    thread_id: str
    platform: str
    account_id: str
    messages: list[MessageView]
    timeline: list[TimelineEntry]


class DecisionView(View):
    decision_id: str
    rule_id: str
    reason: str
    actions: list[PlannedActionView]
    category: str | None
    sla_due_at: datetime | None
    policy_version: str
    decided_at: datetime


class ActionView(View):
    action_id: str
    decision_id: str
    kind: str
    status: str
    detail: str
    text: str | None
    platform_ref: str | None
    completed_at: datetime | None


class CorrectionNoteView(View):
    labels: list[str]
    note: str
    source: str
    """`agent` (typed by a person) or `unhide` (a hide undone: "not abuse")."""
    corrected_by: str
    at: datetime


class CommentView(View):
    platform: str
    comment_id: str
    thread_id: str
    comment: MessageView | None
    lang: str | None
    labels: list[str]
    scores: dict[str, float]
    decision: DecisionView | None
    """The latest decision about this comment (an edit is decided again)."""
    actions: list[ActionView]
    """Actions of every decision about this comment and those taken on it by hand, oldest first."""
    corrections: list[CorrectionNoteView] = []
    """Agents' corrections of the labels, oldest first (`not:x` denies x)."""


class ErrorView(View):
    detail: str
