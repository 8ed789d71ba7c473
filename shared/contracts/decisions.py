"""What triage decided about one comment, and why."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.actions import PlannedAction
from shared.contracts.comments import Comment, CommentChange
from shared.contracts.envelope import Envelope

DecisionTrigger = Literal["comment", "escalation_alert", "community_window"]


class DecisionMade(Envelope):
    """Self-contained: the responder acts on it without reading triage's tables."""

    event_type: Literal["decision.made"] = "decision.made"
    schema_version: Literal[1] = 1
    decision_id: str
    comment_event_id: str
    change: CommentChange = "created"
    comment: Comment
    lang: str = Field(max_length=8)
    labels: list[str]
    scores: dict[str, float]
    rule_id: str
    reason: str
    policy_version: str
    category: str | None = None
    """The SLA category (a complaint label) when the rule starts a first-response clock."""
    sla_due_at: AwareDatetime | None = None
    actions: list[PlannedAction]
    improvement: bool = False
    """R14: the comment was negative, so it feeds the improvement report (what went wrong)."""
    aspects: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=12)
    """What a complaint is about (`shared.aspects` ids, the main one first): assigned by triage
    with its sentence encoder; empty for other comments and for decisions made before."""
    trigger: DecisionTrigger = "comment"
    """What was decided on: a comment event; reporting's escalation alert for the exchange (R11
    at the alert: `comment` is the customer's latest message, already counted once, and
    `comment_event_id` the alert's event id); or an elapsed R10 community window (`R10.reply`,
    a follow-up on a comment decided before). Only `comment` decisions are new messages."""
