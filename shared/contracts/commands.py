"""Agent commands from the inbox: the only way a human's click reaches triage or the responder."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from shared.contracts.envelope import Envelope

CommandKind = Literal[
    "approve_draft",
    "discard_draft",
    "resolve",
    "reopen",
    "take_over",
    "release",
    "undo_hide",
]
TRIAGE_COMMANDS: frozenset[str] = frozenset({"resolve", "reopen", "take_over", "release"})
"""Exchange state: triage owns it."""
RESPONDER_COMMANDS: frozenset[str] = frozenset({"approve_draft", "discard_draft", "undo_hide"})
"""Platform effects: the responder owns the outbox."""
_NEEDS_ACTION: frozenset[str] = RESPONDER_COMMANDS


class AgentCommand(Envelope):
    """Published by reporting's inbox; `event_id` is the command's exactly-once key."""

    event_type: Literal["agent.command"] = "agent.command"
    schema_version: Literal[1] = 1
    kind: CommandKind
    thread_id: str = Field(min_length=1, max_length=300)
    agent: str = Field(min_length=1, max_length=200)
    """Who clicked (the key's label or the name given at login), for the audit trail."""
    action_id: str | None = Field(default=None, max_length=200)
    """The draft (approve/discard) or the hide (undo_hide) the command is about."""
    text: str | None = Field(default=None, min_length=1, max_length=5_000)
    """An agent's edit of a drafted reply (approve_draft only)."""

    @model_validator(mode="after")
    def _action_when_needed(self) -> AgentCommand:
        if self.kind in _NEEDS_ACTION and not self.action_id:
            raise ValueError(f"a {self.kind} command needs the action_id it is about")
        if self.text is not None and self.kind != "approve_draft":
            raise ValueError(f"only approve_draft carries text, not {self.kind}")
        return self
