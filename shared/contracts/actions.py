"""Abstract moderation actions and their outcomes; adapters map them to platform calls."""

from __future__ import annotations

from typing import Literal

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
    "report_to_platform",
    "preserve_evidence",
    "flag_for_human",
    "request_deletion",
    "await_community",
]
ActionStatus = Literal["done", "skipped", "failed"]

REPLY_KINDS: frozenset[ActionKind] = frozenset({"reply", "private_reply"})
"""Actions that answer the customer: they stop the first-response clock and count as our reply;
moderation actions answer nobody."""
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
