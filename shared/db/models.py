"""SQLAlchemy models. Each table names its one writer; every other service only reads it.

Evidence tables (comment events, decisions, actions) are append-only or state-advancing:
removed content is kept with who removed it and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.contracts import DecisionMade


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
    }


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model: batch writes skip the ORM's bulk layer (about 20 % faster)."""
    return cast(Table, model.__table__)


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
    """Every accepted comment event, append-only: evidence of what was said. Writer: reporting.

    Partitioned by month of `occurred_at` (migration 0010, shared/db/partitions.py), so retention
    drops whole months; the key includes the partition key, as PostgreSQL requires."""

    __tablename__ = "comment_events"
    __table_args__ = (
        Index("ix_comment_events_platform_comment", "platform", "comment_id"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    comment_id: Mapped[str] = mapped_column(String(300))
    thread_id: Mapped[str] = mapped_column(String(300), index=True)
    change: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(primary_key=True)


class DecisionColumns:
    """The columns of one decision, shared by triage's `decisions` and reporting's copy."""

    decision_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    comment_event_id: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    comment_id: Mapped[str] = mapped_column(String(300))
    thread_id: Mapped[str] = mapped_column(String(300))
    rule_id: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(String(40))
    lang: Mapped[str] = mapped_column(String(8))
    category: Mapped[str | None] = mapped_column(String(60))
    sla_due_at: Mapped[datetime | None]
    event: Mapped[dict[str, Any]]
    """The published DecisionMade event, so a redelivery republishes exactly the same thing; its
    labels, scores and planned actions live only here."""
    decided_at: Mapped[datetime]


class DecisionRow(DecisionColumns, Base):
    """One decision per (comment event, policy version). Writer: triage."""

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_platform_comment", "platform", "comment_id"),
        Index("ix_decisions_thread_id", "thread_id"),
    )


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
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    """When R11 moved the exchange to a private chat; it fires once per exchange."""
    risk_alerted_at: Mapped[datetime | None]
    """When reporting's escalation alert for this exchange arrived (R11 fires on it)."""
    risk_score: Mapped[float | None] = mapped_column(Float)
    risk_reasons: Mapped[list[Any] | None]
    """The alert's reasons in words, largest first: they appear in R11's decision."""
    manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """An agent took it over from the inbox: triage plans no automatic replies for it."""


class AuthorRecordRow(Base):
    """Strikes per author and page, for R9. Writer: triage."""

    __tablename__ = "author_records"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    author_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    strikes: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_offence_at: Mapped[datetime | None]


class SlaTimerRow(Base):
    """SLA and R10 community-window timers; the row is the truth, Redis only indexes due times.

    Writer: triage. A transition is one conditional UPDATE (`WHERE state = 'pending'`), so of two
    processes firing the same timer only one wins; `revision > published_revision` marks events
    that were committed but not yet confirmed published.
    """

    __tablename__ = "sla_timers"
    __table_args__ = (
        Index("ix_sla_timers_state_due", "state", "due_at"),
        Index(
            "ix_sla_timers_pending_thread",
            "thread_id",
            postgresql_where=text("state = 'pending'"),
        ),
    )

    timer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    """sla | community"""
    state: Mapped[str] = mapped_column(String(20))
    """pending → met | breached | cancelled (sla); pending → elapsed | cancelled (community)."""
    thread_id: Mapped[str] = mapped_column(String(300), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    decision_id: Mapped[str] = mapped_column(String(64), index=True)
    comment_id: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(60))
    started_at: Mapped[datetime]
    due_soon_at: Mapped[datetime | None]
    due_at: Mapped[datetime]
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    """The window counts only the account's business hours (`SlaWindow.business_hours`)."""
    due_soon_sent_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    detail: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    published_revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class ActionColumns:
    """An outbox row as others may know it: shared by responder's `actions` and reporting's copy."""

    action_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    decision_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    comment_id: Mapped[str] = mapped_column(String(300))
    thread_id: Mapped[str] = mapped_column(String(300), index=True)
    author_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    """One of `shared.contracts.actions.ACTION_STATES`."""
    text: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    platform_ref: Mapped[str | None] = mapped_column(String(300))
    not_before: Mapped[datetime | None]
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    performed_as: Mapped[str | None] = mapped_column(String(40))
    """What the platform really did (e.g. `hide` for a delete X does not allow)."""
    evidence: Mapped[dict[str, Any] | None]
    """R8: the comment as it was (text, ids, timestamps, sha256), stored before any removal."""
    approved_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Updates of the outbox row so far, counted by a PostgreSQL trigger on `actions` (migration
    0007): the order of its `ActionChanged` snapshots, whichever path published them."""


class ActionRow(ActionColumns, Base):
    """The outbox: written before the platform call, keyed by the action id. Writer: responder."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_status_retry_at", "status", "retry_at"),)

    correlation_id: Mapped[str] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None]
    """When a pending row is due again, or when an `in_flight` row's outcome becomes unknown."""


class ReportingActionRow(ActionColumns, Base):
    """Every outbox row as responder's `ActionChanged` events said, highest `revision` wins.

    Writer: reporting. Timelines, drafts awaiting approval, threats and evidence exports come from
    here, never from responder's `actions` table.
    """

    __tablename__ = "reporting_actions"


class ReportingExchangeRow(Base):
    """Reporting's per-exchange summary: the work queue and the risk score. Writer: reporting."""

    __tablename__ = "reporting_exchanges"
    __table_args__ = (Index("ix_reporting_exchanges_account_due", "account_id", "sla_due_at"),)

    thread_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(60))
    first_message_at: Mapped[datetime]
    last_customer_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    """First reply-type action done after the exchange's first customer message."""
    sla_due_at: Mapped[datetime | None]
    sla_state: Mapped[str | None] = mapped_column(String(20))
    """Latest SLA timer status seen: started | due_soon | met | breached | cancelled."""
    messages: Mapped[int] = mapped_column(Integer, default=0)
    risk_score: Mapped[float] = mapped_column(default=0.0)
    risk_band: Mapped[str] = mapped_column(String(10), default="low")
    risk_reasons: Mapped[list[Any]]
    alert_armed: Mapped[bool] = mapped_column(Boolean, default=True)
    """Hysteresis: an alert fires only while armed; re-armed once the score falls back."""
    alerted_at: Mapped[datetime | None]


class ReportingDecisionRow(DecisionColumns, Base):
    """Every `DecisionMade` reporting consumed, for timelines, evidence and the inbox's filters.

    Writer: reporting, from the event (its `occurred_at` as `decided_at`), so reporting never
    reads triage's table.
    """

    __tablename__ = "reporting_decisions"
    __table_args__ = (
        Index("ix_reporting_decisions_platform_comment", "platform", "comment_id"),
        Index("ix_reporting_decisions_thread_at", "thread_id", "decided_at"),
    )


class ReportingExchangeStateRow(Base):
    """Triage's exchange state as its `ExchangeChanged` events said, newest `updated_at` wins.

    Writer: reporting. The inbox's and the reports' status, "taken over" and resolution time
    come from here, never from triage's `exchanges` table.
    """

    __tablename__ = "reporting_exchange_states"

    thread_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(30))
    category: Mapped[str | None] = mapped_column(String(60))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_due_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ReportingMessageRow(Base):
    """One decided customer message as risk and improvement signals. Writer: reporting."""

    __tablename__ = "reporting_messages"
    __table_args__ = (Index("ix_reporting_messages_account_at", "account_id", "at"),)

    decision_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(String(300), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    comment_id: Mapped[str] = mapped_column(String(300))
    author_id: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    negativity: Mapped[float]
    toxicity: Mapped[float]
    category: Mapped[str | None] = mapped_column(String(60))
    topics: Mapped[list[Any]]
    improvement: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)


class ReportingTimerEventRow(Base):
    """Every timer event, append-only, for timelines and SLA reports. Writer: reporting."""

    __tablename__ = "reporting_timer_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    timer_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    thread_id: Mapped[str] = mapped_column(String(300), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    decision_id: Mapped[str] = mapped_column(String(64))
    comment_id: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(60))
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    occurred_at: Mapped[datetime]
    detail: Mapped[str] = mapped_column(Text, default="")


class ReportingAgentRow(Base):
    """A person who works the inbox: name, role, argon2 password hash. Writer: reporting.

    `session_epoch` goes up on a password reset or disable, which ends every session signed
    with the previous epoch without a server-side session store.
    """

    __tablename__ = "reporting_agents"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReportingAuditRow(Base):
    """Every action a person or API key took, append-only: who, when, what, before/after.

    Writer: reporting (the only service people talk to).
    """

    __tablename__ = "reporting_audit"
    __table_args__ = (Index("ix_reporting_audit_at", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    actor_kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    thread_id: Mapped[str | None] = mapped_column(String(300), index=True)
    target: Mapped[str | None] = mapped_column(String(300))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class ReportingAssignmentRow(Base):
    """Who works an exchange now (one row per assigned exchange). Writer: reporting."""

    __tablename__ = "reporting_assignments"

    thread_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    agent: Mapped[str] = mapped_column(String(100), index=True)
    assigned_by: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[datetime]


class ReportingNoteRow(Base):
    """An internal note on an exchange: never sent to the platform. Writer: reporting."""

    __tablename__ = "reporting_notes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    thread_id: Mapped[str] = mapped_column(String(300), index=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class ReportingPoliceDecisionRow(Base):
    """A supervisor's decision on a threat: reported (with the case reference) or not (why).

    Writer: reporting. Part of the evidence export; recording it closes the case.
    """

    __tablename__ = "reporting_police_decisions"

    thread_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    reported: Mapped[bool] = mapped_column(Boolean)
    case_ref: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime]


class ReportingCorrectionRow(Base):
    """An agent's correction of a comment's labels, append-only: the classifier's feedback.

    Writer: reporting. `source` says whether a person typed it or an action implied it (undoing
    a hide is the correction "not abuse").
    """

    __tablename__ = "reporting_corrections"
    __table_args__ = (
        Index("ix_reporting_corrections_comment", "platform", "comment_id"),
        Index("ix_reporting_corrections_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    comment_id: Mapped[str] = mapped_column(String(300))
    account_id: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[str] = mapped_column(String(300))
    labels: Mapped[list[Any]]
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="agent")
    corrected_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class ReportingCannedReplyRow(Base):
    """A saved reply per account (or `*` for all) and language, with variables. Writer:
    reporting (admins edit them in the inbox)."""

    __tablename__ = "reporting_canned_replies"
    __table_args__ = (Index("ix_reporting_canned_account_lang", "account_id", "lang"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class ReportingNotificationRow(Base):
    """One webhook delivery of a notice (threat, escalation, SLA due soon or breached): the
    outbox the sender works from and, once `dead`, the dead-letter record. Writer: reporting.

    The primary key is the notice's id and the webhook's name, so a redelivered event adds no
    second delivery; `payload` is the exact body, signed again at each attempt.
    """

    __tablename__ = "reporting_notifications"
    __table_args__ = (
        Index("ix_reporting_notifications_due", "status", "next_attempt_at"),
        Index("ix_reporting_notifications_created_at", "created_at"),
    )

    delivery_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[str] = mapped_column(String(300))
    webhook: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]


TABLE_OWNERS: dict[str, str] = {
    CommentRow.__tablename__: "reporting",
    CommentEventRow.__tablename__: "reporting",
    DecisionRow.__tablename__: "triage",
    ExchangeRow.__tablename__: "triage",
    AuthorRecordRow.__tablename__: "triage",
    SlaTimerRow.__tablename__: "triage",
    ActionRow.__tablename__: "responder",
    ReportingActionRow.__tablename__: "reporting",
    ReportingExchangeRow.__tablename__: "reporting",
    ReportingExchangeStateRow.__tablename__: "reporting",
    ReportingDecisionRow.__tablename__: "reporting",
    ReportingMessageRow.__tablename__: "reporting",
    ReportingTimerEventRow.__tablename__: "reporting",
    ReportingAgentRow.__tablename__: "reporting",
    ReportingAuditRow.__tablename__: "reporting",
    ReportingAssignmentRow.__tablename__: "reporting",
    ReportingNoteRow.__tablename__: "reporting",
    ReportingPoliceDecisionRow.__tablename__: "reporting",
    ReportingCorrectionRow.__tablename__: "reporting",
    ReportingCannedReplyRow.__tablename__: "reporting",
    ReportingNotificationRow.__tablename__: "reporting",
}
"""The one service that reads and writes each table (ARCHITECTURE.md: what others know of it
arrives as events). `tests/architecture/test_table_ownership.py` holds the code to it."""


def decision_row(event: DecisionMade, decided_at: datetime) -> dict[str, Any]:
    """The columns of a `DecisionMade`, as triage's `decisions` and reporting's copy store it."""
    comment = event.comment
    return {
        "decision_id": event.decision_id,
        "comment_event_id": event.comment_event_id,
        "platform": comment.platform,
        "account_id": comment.account_id,
        "comment_id": comment.comment_id,
        "thread_id": comment.thread_id,
        "rule_id": event.rule_id,
        "reason": event.reason,
        "policy_version": event.policy_version,
        "lang": event.lang,
        "category": event.category,
        "sla_due_at": event.sla_due_at,
        "event": event.model_dump(mode="json"),
        "decided_at": decided_at,
    }
