"""Abstract moderation actions and their outcomes; adapters map them to platform calls."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import AwareDatetime, Field

from shared.contracts.comments import Platform
from shared.contracts.envelope import Contract, Envelope

ActionKind = Literal[
    "reply",
    "private_reply",
    "hide",
    "unhide",
    "delete",
    "block_author",
    "unblock_author",
    "report_to_platform",
    "preserve_evidence",
    "flag_for_human",
    "request_deletion",
    "await_community",
]
ActionStatus = Literal["done", "skipped", "failed"]
"""How an action ended: the statuses an `ActionCompleted` reports."""
FINAL_STATUSES: tuple[ActionStatus, ...] = get_args(ActionStatus)
ActionState = Literal["pending", "in_flight", "awaiting_approval", "done", "skipped", "failed"]
"""Where an outbox row stands: waiting (maybe until `not_before` or a retry), being performed,
held for an agent's approval, or ended."""
ACTION_STATES: tuple[ActionState, ...] = get_args(ActionState)

REPLY_KINDS: frozenset[ActionKind] = frozenset({"reply", "private_reply"})
"""Actions that answer the customer: they stop the first-response clock and count as our reply;
moderation actions answer nobody."""
TEXT_KINDS: frozenset[ActionKind] = REPLY_KINDS | {"request_deletion"}
"""Actions that post words on the platform: rendered from templates, tone-guarded (R13), and
editable by an agent while a draft awaits approval."""
CUSTOMER_FACING_KINDS: frozenset[ActionKind] = REPLY_KINDS | {"request_deletion", "await_community"}
"""What a rule does towards the customer, in words or by a visible wait: such a rule notes R13
(the responder enforces the tone)."""


class PlannedAction(Contract):
    """One effect a decision asks for; `action_id` is the responder's exactly-once key."""

    action_id: str = Field(min_length=1, max_length=200)
    kind: ActionKind
    template: str | None = Field(default=None, max_length=100)
    """Reply situation (e.g. `complaint.product`), rendered in the comment's language."""
    not_before: AwareDatetime | None = None


class ActionCompleted(Envelope):
    """Published by responder after the outcome of an action is durably recorded."""

    event_type: Literal["action.completed"] = "action.completed"
    schema_version: Literal[1] = 1
    action_id: str
    decision_id: str
    kind: ActionKind
    platform: Platform
    comment_id: str
    thread_id: str
    status: ActionStatus
    detail: str = ""
    platform_ref: str | None = None
    performed_at: AwareDatetime


class ActionChanged(Envelope):
    """Published by responder after every change to an outbox row it has committed.

    The whole row as it stands, not a delta, so a redelivered batch republishes it and a
    consumer keeps the highest `revision` (reporting's read model of actions: timelines, drafts
    awaiting approval, threats and their evidence). `revision` counts the row's updates in
    PostgreSQL itself, so two snapshots of one row published by different paths order alike.
    """

    event_type: Literal["action.changed"] = "action.changed"
    schema_version: Literal[1] = 1
    action_id: str = Field(min_length=1, max_length=200)
    decision_id: str
    kind: ActionKind
    platform: Platform
    comment_id: str
    thread_id: str
    author_id: str
    status: ActionState
    text: str | None = None
    detail: str = ""
    platform_ref: str | None = None
    performed_as: str | None = None
    evidence: dict[str, Any] | None = None
    """R8: the comment as it was, preserved before any removal (`preserve_evidence` only)."""
    not_before: AwareDatetime | None = None
    created_at: AwareDatetime
    completed_at: AwareDatetime | None = None
    approved_at: AwareDatetime | None = None
    revision: int = Field(ge=0)
