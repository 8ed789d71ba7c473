"""What an agent's command from the inbox does to an exchange, and the replies a take-over holds.

Pure: the command handler loads the exchange, calls these with an explicit `now`, and persists.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal

from services.triage.domain.context import Decision, Exchange

ExchangeCommand = Literal["resolve", "reopen", "take_over", "release"]
HELD_KINDS = frozenset({"reply", "private_reply", "request_deletion", "await_community"})
"""What a taken-over exchange no longer gets automatically: words in the brand's name."""
_ACTIVE = ("open", "awaiting_customer")


def apply_command(exchange: Exchange, command: ExchangeCommand, *, now: datetime) -> Exchange:
    """The exchange after an agent's click; a command that does not apply changes nothing."""
    if command == "take_over":
        return exchange if exchange.manual else replace(exchange, manual=True, updated_at=now)
    if command == "release":
        return replace(exchange, manual=False, updated_at=now) if exchange.manual else exchange
    if command == "resolve":
        if exchange.state not in _ACTIVE:
            return exchange
        return replace(exchange, state="resolved", resolved_at=now, sla_due_at=None, updated_at=now)
    if exchange.state not in ("resolved", "ignored", "awaiting_customer"):
        return exchange
    return replace(exchange, state="open", resolved_at=None, updated_at=now)


def newly_resolved(before: Exchange, after: Exchange) -> bool:
    """R12 asks for the deletion only on the transition, never on a repeated resolve."""
    return before.state != "resolved" and after.state == "resolved"


def hold_replies(decision: Decision | None, exchange: Exchange | None) -> Decision | None:
    """A taken-over exchange keeps moderation (hide, delete, evidence) but loses its replies."""
    if decision is None or exchange is None or not exchange.manual:
        return decision
    kept = tuple(a for a in decision.actions if a.kind not in HELD_KINDS)
    if len(kept) == len(decision.actions):
        return decision
    reason = f"{decision.reason} — replies held: an agent took this exchange over"
    return replace(decision, actions=kept, reason=reason)
