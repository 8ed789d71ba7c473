"""An exchange's state as triage keeps it, for every service that shows or reports it."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import AwareDatetime, Field

from shared.contracts.comments import Platform
from shared.contracts.envelope import Envelope

ExchangeState = Literal["open", "awaiting_customer", "resolved", "ignored", "removed"]
EXCHANGE_STATES: tuple[ExchangeState, ...] = get_args(ExchangeState)
FINISHED_STATES: frozenset[ExchangeState] = frozenset({"resolved", "ignored", "removed"})
"""Nothing is left to do: the inbox's "open" list leaves these out."""


class ExchangeChanged(Envelope):
    """Published by triage after every batch that read or changed an exchange.

    The whole current state, not a delta, so a redelivered batch republishes it and a consumer
    keeps the newest by `updated_at` (reporting's read model of exchange states).
    """

    event_type: Literal["exchange.changed"] = "exchange.changed"
    schema_version: Literal[1] = 1
    thread_id: str = Field(min_length=1, max_length=300)
    platform: Platform
    state: ExchangeState
    category: str | None = None
    manual: bool = False
    sla_due_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    escalated_at: AwareDatetime | None = None
    updated_at: AwareDatetime
