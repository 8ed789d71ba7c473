"""Which timers a batch of decisions starts, cancels or meets: pure, in stream order.

One pending clock per exchange: a new decision with a clock supersedes the pending one (R4: a
customer's new message restarts the SLA of its category); an exchange that ends (resolved,
ignored, removed) cancels its clock; a community member writing in the thread cancels R10's
community window. Our reply meets the SLA timer of the decision it answered, if still in time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from services.triage.domain.context import Decision, Exchange
from services.triage.domain.exchange import is_active
from shared.contracts import Comment, TimerKind

TimerState = Literal["pending", "met", "breached", "cancelled", "elapsed"]
TIMER_NAMESPACE = uuid.UUID("3f1c9a52-8d4e-4b7a-b0c6-5e2f7a9d1c48")
"""Fixed forever: timer ids and timer event ids derive from it."""


def timer_id(decision_id: str, kind: TimerKind) -> str:
    """One timer of each kind per decision, so a redelivered decision cannot start a second."""
    return uuid.uuid5(TIMER_NAMESPACE, f"{decision_id}|{kind}").hex


def timer_event_id(timer_id_: str, status: str) -> str:
    """One event per (timer, status): the key that makes republishing harmless."""
    return uuid.uuid5(TIMER_NAMESPACE, f"{timer_id_}|{status}").hex


@dataclass(frozen=True)
class Timer:
    timer_id: str
    kind: TimerKind
    thread_id: str
    platform: str
    account_id: str
    decision_id: str
    comment_id: str
    category: str | None
    started_at: datetime
    due_soon_at: datetime | None
    due_at: datetime
    state: TimerState = "pending"
    business_hours: bool = False


def start_timer(comment: Comment, decision_id: str, decision: Decision) -> Timer | None:
    """The clock `decision` starts, if any."""
    if decision.timer is None or decision.sla_due_at is None or decision.sla_started_at is None:
        return None
    return Timer(
        timer_id=timer_id(decision_id, decision.timer),
        kind=decision.timer,
        thread_id=comment.thread_id,
        platform=comment.platform,
        account_id=comment.account_id,
        decision_id=decision_id,
        comment_id=comment.comment_id,
        category=decision.category,
        started_at=decision.sla_started_at,
        due_soon_at=decision.sla_due_soon_at,
        due_at=decision.sla_due_at,
        business_hours=decision.sla_business_hours,
    )


def is_community_member(comment: Comment, exchange: Exchange | None) -> bool:
    """Neither the customer who opened the exchange nor the page itself (author id = account id)."""
    if exchange is None:
        return False
    return comment.author.id not in (exchange.customer_id, comment.account_id)


@dataclass
class TimerBook:
    """Pending timers per thread as the batch goes, and what must be written back."""

    pending: dict[str, list[Timer]] = field(default_factory=dict)
    started: list[Timer] = field(default_factory=list)
    cancelled: dict[str, str] = field(default_factory=dict)
    """timer id → why it was cancelled."""

    def on_comment(
        self,
        comment: Comment,
        decision_id: str | None,
        decision: Decision | None,
        before: Exchange | None,
        after: Exchange | None,
    ) -> None:
        """Apply one decided (or removed) comment to the thread's clocks."""
        thread = comment.thread_id
        if decision is not None and is_community_member(comment, before):
            self._cancel(thread, "community", f"community member {comment.author.id} answered")
        if after is not None and not is_active(after):
            self._cancel(thread, None, f"exchange {after.state}")
        if decision is None or decision_id is None:
            return
        timer = start_timer(comment, decision_id, decision)
        if timer is None:
            return
        self._cancel(thread, None, f"superseded by decision {decision_id} ({decision.rule_id})")
        self.pending.setdefault(thread, []).append(timer)
        self.started.append(timer)

    def _cancel(self, thread: str, kind: TimerKind | None, reason: str) -> None:
        keep: list[Timer] = []
        for timer in self.pending.get(thread, []):
            if kind is None or timer.kind == kind:
                self.cancelled[timer.timer_id] = reason
            else:
                keep.append(timer)
        self.pending[thread] = keep

    def cancellations(self) -> dict[str, str]:
        """Cancellations of timers that already exist (a timer started and cancelled in the
        same batch is simply never started)."""
        fresh = {t.timer_id for t in self.started}
        return {tid: why for tid, why in self.cancelled.items() if tid not in fresh}

    def starts(self) -> list[Timer]:
        return [t for t in self.started if t.timer_id not in self.cancelled]


def met_by_reply(timers: list[Timer], performed_at: datetime) -> list[Timer]:
    """The pending SLA timers a reply performed at `performed_at` meets (late replies meet none)."""
    return [
        t for t in timers if t.kind == "sla" and t.state == "pending" and performed_at <= t.due_at
    ]
