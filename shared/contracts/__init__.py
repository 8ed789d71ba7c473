"""Event contracts: the only shapes that travel on the streams."""

from shared.contracts.actions import (
    ActionChanged,
    ActionCompleted,
    ActionKind,
    ActionState,
    ActionStatus,
    PlannedAction,
)
from shared.contracts.alerts import EscalationAlert, RiskBand, RiskReason
from shared.contracts.commands import AgentCommand, CommandKind
from shared.contracts.comments import (
    Author,
    Comment,
    CommentChange,
    CommentReceived,
    Platform,
    ThreadId,
)
from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Envelope, new_event_id
from shared.contracts.timers import SlaTimerEvent, TimerKind, TimerStatus

__all__ = [
    "ActionChanged",
    "ActionCompleted",
    "ActionKind",
    "ActionState",
    "ActionStatus",
    "AgentCommand",
    "Author",
    "CommandKind",
    "Comment",
    "CommentChange",
    "CommentReceived",
    "DecisionMade",
    "EscalationAlert",
    "Envelope",
    "PlannedAction",
    "Platform",
    "RiskBand",
    "RiskReason",
    "SlaTimerEvent",
    "TimerKind",
    "ThreadId",
    "TimerStatus",
    "new_event_id",
]
