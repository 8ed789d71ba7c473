"""What `decide()` reads besides the comment, and what it returns: plain immutable values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.accounts import Account
from shared.contracts import ActionKind, CommentChange, Platform, TimerKind
from shared.contracts.exchanges import EXCHANGE_STATES, ExchangeState

__all__ = ["EXCHANGE_STATES", "ExchangeState"]
ExchangeEffect = Literal["open", "await_customer", "escalate", "resolve", "ignore", "remove"]
"""What a rule does to its exchange; `exchange.apply_decision` turns it into a state change."""


@dataclass(frozen=True)
class Exchange:
    """One thread between the brand and the customer who opened it (R4, R11, R12)."""

    thread_id: str
    platform: Platform
    account_id: str
    customer_id: str
    state: ExchangeState
    category: str | None
    sla_due_at: datetime | None
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    escalated_at: datetime | None = None
    manual: bool = False
    """An agent took the exchange over: no automatic replies, moderation still runs."""
    risk_alerted_at: datetime | None = None
    """Reporting's escalation alert came: the one score that says "heating up" (R11)."""
    risk_score: float | None = None
    risk_reasons: list[str] | None = None
    """The alert's reasons in words, largest first."""


@dataclass(frozen=True)
class AuthorRecord:
    """An author's offences on one account (R9)."""

    strikes: int = 0
    blocked: bool = False
    last_offence_at: datetime | None = None


@dataclass(frozen=True)
class DecisionContext:
    account: Account
    author: AuthorRecord
    exchange: Exchange | None
    change: CommentChange = "created"


@dataclass(frozen=True)
class ActionPlan:
    """An action before it gets its id (the id needs the comment event, which decide never sees)."""

    kind: ActionKind
    template: str | None = None
    not_before: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome of one rule, with everything needed to explain it afterwards."""

    rule_id: str
    reason: str
    actions: tuple[ActionPlan, ...]
    category: str | None
    sla_due_at: datetime | None
    improvement: bool
    """R14: the comment is negative and feeds the improvement report."""
    strike: bool
    exchange_effect: ExchangeEffect | None
    sla_started_at: datetime | None = None
    sla_due_soon_at: datetime | None = None
    timer: TimerKind | None = None
    """Which clock the decision starts: our first response (`sla`) or R10's community window."""
    sla_business_hours: bool = False
    """The clock counts business hours only (`SlaWindow.business_hours`)."""
