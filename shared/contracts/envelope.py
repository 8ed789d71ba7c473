"""The envelope every event carries, so any consumer can trace, order and de-duplicate it."""

from __future__ import annotations

import uuid

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def new_event_id() -> str:
    """Random, not time-derived: event ids must never collide across processes."""
    return uuid.uuid4().hex


class Contract(BaseModel):
    """Frozen and strict: an unknown field is a producer bug, not something to pass along."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Envelope(Contract):
    """Fields shared by every event; subclasses pin `event_type` and `schema_version`."""

    event_id: str = Field(default_factory=new_event_id, min_length=1, max_length=64)
    event_type: str
    schema_version: int
    occurred_at: AwareDatetime
    correlation_id: str = Field(min_length=1, max_length=300)
    """The exchange (thread) the event belongs to; every log line of it carries this id."""
    account_id: str = Field(min_length=1, max_length=200)
