"""Event contracts: the only shapes that travel on the streams."""

from shared.contracts.actions import ActionCompleted, ActionKind, ActionStatus, PlannedAction
from shared.contracts.comments import (
    Author,
    Comment,
    CommentChange,
    CommentReceived,
    Platform,
)
from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Envelope, new_event_id

__all__ = [
    "ActionCompleted",
    "ActionKind",
    "ActionStatus",
    "Author",
    "Comment",
    "CommentChange",
    "CommentReceived",
    "DecisionMade",
    "Envelope",
    "PlannedAction",
    "Platform",
    "new_event_id",
]
