"""SLA and community-window timer events: what reporting and alerts learn about deadlines."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.contracts.comments import Platform
from shared.contracts.envelope import Envelope

TimerKind = Literal["sla", "community"]
"""`sla`: our first response is due; `community`: R10 lets the community answer first."""
TimerStatus = Literal["started", "due_soon", "met", "breached", "cancelled", "elapsed"]
"""`elapsed`: a community window ran out unanswered (triage then replies itself, R10)."""


class SlaTimerEvent(Envelope):
    """Published by triage after each timer transition is committed; `event_id` is deterministic."""

    event_type: Literal["sla.timer"] = "sla.timer"
    schema_version: Literal[1] = 1
    timer_id: str = Field(min_length=1, max_length=64)
    kind: TimerKind
    status: TimerStatus
    thread_id: str
    platform: Platform
    decision_id: str
    comment_id: str
    category: str | None = None
    started_at: AwareDatetime
    due_soon_at: AwareDatetime | None = None
    due_at: AwareDatetime
    business_hours: bool = False
    """The clock counted only the account's business hours (else around the clock): reports
    measure the first response in the same time, so "met" and the response time agree."""
    detail: str = ""
