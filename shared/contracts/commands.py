"""Agent commands from the inbox and the API: the only way a person's click reaches triage or
the responder."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from shared.contracts.actions import ActionKind
from shared.contracts.comments import Platform
from shared.contracts.envelope import Contract, Envelope

CommandKind = Literal[
    "approve_draft",
    "discard_draft",
    "resolve",
    "reopen",
    "take_over",
    "release",
    "undo_hide",
    "reply",
    "private_reply",
    "hide",
    "unhide",
    "delete",
    "block_author",
    "unblock_author",
    "report_to_platform",
]
TRIAGE_COMMANDS: frozenset[str] = frozenset({"resolve", "reopen", "take_over", "release"})
"""Exchange state: triage owns it."""
MANUAL_ACTIONS: dict[str, ActionKind] = {
    "reply": "reply",
    "private_reply": "private_reply",
    "hide": "hide",
    "unhide": "unhide",
    "delete": "delete",
    "block_author": "block_author",
    "unblock_author": "unblock_author",
    "report_to_platform": "report_to_platform",
}
"""Actions an agent takes by hand: each becomes one outbox row (exactly once, same adapters)."""
TEXT_COMMANDS: frozenset[str] = frozenset({"reply", "private_reply"})
RESPONDER_COMMANDS: frozenset[str] = frozenset(
    {"approve_draft", "discard_draft", "undo_hide", *MANUAL_ACTIONS}
)
"""Platform effects: the responder owns the outbox."""
_NEEDS_ACTION: frozenset[str] = frozenset({"approve_draft", "discard_draft", "undo_hide"})
_CARRIES_TEXT: frozenset[str] = TEXT_COMMANDS | {"approve_draft"}


MANUAL_PREFIX = "agent:"
"""Decision ids of actions taken by hand start with it (`agent:<command event id>`)."""


class CommentTarget(Contract):
    """The comment a manual action is about, as reporting holds it.

    The responder knows comments only from decisions; an agent may act on any comment of the
    exchange, so the command brings what the outbox row and the evidence record (R8) need.
    """

    platform: Platform
    account_id: str = Field(min_length=1, max_length=200)
    comment_id: str = Field(min_length=1, max_length=300)
    post_id: str = Field(max_length=300)
    author_id: str = Field(min_length=1, max_length=200)
    author_name: str = Field(max_length=500)
    text: str = Field(max_length=20_000)
    created_at: AwareDatetime


class AgentCommand(Envelope):
    """Published by reporting; `event_id` is the command's exactly-once key."""

    event_type: Literal["agent.command"] = "agent.command"
    schema_version: Literal[1] = 1
    kind: CommandKind
    thread_id: str = Field(min_length=1, max_length=300)
    agent: str = Field(min_length=1, max_length=200)
    """Who clicked (the agent's account or the API key's label), for the audit trail."""
    action_id: str | None = Field(default=None, max_length=200)
    """The draft (approve/discard) or the hide (undo_hide) the command is about."""
    text: str | None = Field(default=None, min_length=1, max_length=5_000)
    """An agent's edit of a drafted reply (approve_draft), or their own reply's words."""
    target: CommentTarget | None = None
    """The comment a manual action is about (manual actions only)."""
    tone_override: str | None = Field(default=None, max_length=1_000)
    """The tone guard's warnings the agent confirmed sending anyway (own replies only)."""

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> AgentCommand:
        if self.kind in _NEEDS_ACTION and not self.action_id:
            raise ValueError(f"a {self.kind} command needs the action_id it is about")
        if self.text is not None and self.kind not in _CARRIES_TEXT:
            raise ValueError(f"only approve_draft and replies carry text, not {self.kind}")
        if self.kind in TEXT_COMMANDS and self.text is None:
            raise ValueError(f"a {self.kind} command needs the text to send")
        if (self.kind in MANUAL_ACTIONS) != (self.target is not None):
            raise ValueError("manual actions, and only they, name their target comment")
        if self.tone_override is not None and self.kind not in TEXT_COMMANDS:
            raise ValueError(f"a tone override belongs to an agent's own reply, not {self.kind}")
        return self

    @property
    def manual_decision_id(self) -> str:
        """The outbox rows of one manual command share it (64 characters at most)."""
        return f"{MANUAL_PREFIX}{self.event_id}"[:64]

    @property
    def manual_action_id(self) -> str:
        return f"{self.manual_decision_id}:{self.kind}"
