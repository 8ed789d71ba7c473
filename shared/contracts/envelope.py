"""The envelope every event carries, so any consumer can trace, order and de-duplicate it."""

from __future__ import annotations

import uuid
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


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
    """The exchange (thread) the event belongs to; every log line of it carries this id.

    One truth: for an event about a thread it *is* the thread id — filled from it when a
    producer leaves it out, refused when a producer sets another."""
    account_id: str = Field(min_length=1, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _correlate_with_the_thread(cls, data: Any) -> Any:
        if isinstance(data, dict) and "correlation_id" not in data:
            thread = _thread_of(data)
            if thread is not None:
                return {**data, "correlation_id": thread}
        return data

    @model_validator(mode="after")
    def _correlation_is_the_thread(self) -> Self:
        thread = _thread_of(self)
        if thread is not None and thread != self.correlation_id:
            raise ValueError(
                f"correlation_id {self.correlation_id!r} is not the event's thread {thread!r}"
            )
        return self


def _field(data: Any, name: str) -> Any:
    return data.get(name) if isinstance(data, dict) else getattr(data, name, None)


def _thread_of(data: Any) -> str | None:
    """The thread id an event (or its raw fields) names, directly or through its comment."""
    thread = _field(data, "thread_id")
    if thread is None:
        comment = _field(data, "comment")
        thread = _field(comment, "thread_id") if comment is not None else None
    return thread if isinstance(thread, str) else None
