"""SQLAlchemy models. Each table names its one writer; every other service only reads it.

Evidence tables (comment events, decisions, actions) are append-only or state-advancing:
removed content is kept with who removed it and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
    }


class CommentRow(Base):
    """Current state of each customer comment. Writer: reporting."""

    __tablename__ = "comments"
    __table_args__ = (UniqueConstraint("platform", "comment_id", name="uq_comments_platform_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    comment_id: Mapped[str] = mapped_column(String(300))
    post_id: Mapped[str] = mapped_column(String(300))
    parent_id: Mapped[str | None] = mapped_column(String(300))
    thread_id: Mapped[str] = mapped_column(String(300), index=True)
    author_id: Mapped[str] = mapped_column(String(200))
    author_name: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="active")
    """active | edited | removed; a removed comment keeps its last text as evidence."""
    status_at: Mapped[datetime]
    """Platform time of the event that set `status`: an older event never overwrites it."""
    text_at: Mapped[datetime | None]
    """Platform time of the event that set `text`; NULL while only a removal was seen."""
    created_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CommentEventRow(Base):
    """Every accepted comment event, append-only: evidence of what was said. Writer: reporting."""

    __tablename__ = "comment_events"
    __table_args__ = (Index("ix_comment_events_platform_comment", "platform", "comment_id"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    comment_id: Mapped[str] = mapped_column(String(300))
    thread_id: Mapped[str] = mapped_column(String(300), index=True)
    change: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime]


class DecisionRow(Base):
    """One decision per (comment event, policy version). Writer: triage."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_platform_comment", "platform", "comment_id"),)

    decision_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    comment_event_id: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    comment_id: Mapped[str] = mapped_column(String(300))
    thread_id: Mapped[str] = mapped_column(String(300), index=True)
    rule_id: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(String(40))
    lang: Mapped[str] = mapped_column(String(8))
    labels: Mapped[list[Any]]
    scores: Mapped[dict[str, Any]]
    category: Mapped[str | None] = mapped_column(String(60))
    sla_due_at: Mapped[datetime | None]
    actions: Mapped[list[Any]]
    event: Mapped[dict[str, Any]]
    """The published DecisionMade event, so a redelivery republishes exactly the same thing."""
    decided_at: Mapped[datetime]


class ExchangeRow(Base):
    """State of each exchange (thread) for R4/R11/R12. Writer: triage."""

    __tablename__ = "exchanges"

    thread_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(30))
    category: Mapped[str | None] = mapped_column(String(60))
    sla_due_at: Mapped[datetime | None]
    negative_messages: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    """When R11 moved the exchange to a private chat; it fires once per exchange."""


class AuthorRecordRow(Base):
    """Strikes per author and page, for R9. Writer: triage."""

    __tablename__ = "author_records"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    author_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    strikes: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_offence_at: Mapped[datetime | None]


class ActionRow(Base):
    """The outbox: written before the platform call, keyed by the action id. Writer: responder."""

    __tablename__ = "actions"

    action_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    decision_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    comment_id: Mapped[str] = mapped_column(String(300))
    thread_id: Mapped[str] = mapped_column(String(300), index=True)
    author_id: Mapped[str] = mapped_column(String(200))
    correlation_id: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    """pending → done | skipped | failed | awaiting_approval (approve-mode accounts)."""
    text: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    platform_ref: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None]
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
