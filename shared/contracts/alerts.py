"""Escalation early warnings: an exchange is heating up; triage answers the alert with R11."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from shared.contracts.comments import Platform
from shared.contracts.envelope import Contract, Envelope

RiskBand = Literal["low", "elevated", "high"]
RISK_BANDS: tuple[RiskBand, ...] = get_args(RiskBand)
"""Lowest first: the order of filters, gauges and charts."""


class RiskReason(Contract):
    """One feature behind a score: how many points it added and why, in words."""

    feature: str = Field(min_length=1, max_length=40)
    points: float
    detail: str = Field(max_length=300)


class EscalationAlert(Envelope):
    """Published by reporting once per exchange each time its risk crosses the threshold."""

    event_type: Literal["escalation.alert"] = "escalation.alert"
    schema_version: Literal[1] = 1
    thread_id: str
    platform: Platform
    score: float = Field(ge=0, le=100)
    threshold: float
    band: RiskBand
    reasons: list[RiskReason]
    """The top contributing features, largest first."""
    messages_seen: int = Field(ge=0)
