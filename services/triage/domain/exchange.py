"""The exchange state machine: open → awaiting_customer → resolved | ignored | removed.

`open` means the next move is ours: a decision that answers (`await_customer`, `escalate`) keeps
the exchange open until the responder reports the reply done (`replied`, from `action.completed`);
only then does it await the customer. A new customer message in an awaiting exchange opens it
again (R4). Only the top-level comment can make a whole exchange ignored or removed; a troll reply
inside a running exchange does not end it. A new customer reply reopens a resolved or ignored one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal

from services.triage.domain.context import Decision, Exchange, ExchangeEffect, ExchangeState
from shared.contracts import Comment
from shared.contracts.exchanges import ExchangeChanged

ExchangeEvent = ExchangeEffect | Literal["replied"]
"""A decision's effect, or `replied`: our reply (or private reply) was actually performed."""

TRANSITIONS: dict[ExchangeState, dict[ExchangeEvent, ExchangeState]] = {
    "open": {
        "open": "open",
        "await_customer": "open",
        "escalate": "open",
        "replied": "awaiting_customer",
        "resolve": "resolved",
        "ignore": "ignored",
        "remove": "removed",
    },
    "awaiting_customer": {
        "open": "open",
        "await_customer": "open",
        "escalate": "open",
        "resolve": "resolved",
        "remove": "removed",
    },
    "resolved": {"open": "open", "await_customer": "open", "remove": "removed"},
    "ignored": {"open": "open", "await_customer": "open", "remove": "removed"},
    "removed": {},
}
"""Effects missing from a state's row leave the state as it is."""

_ACTIVE: frozenset[ExchangeState] = frozenset({"open", "awaiting_customer"})


def transition(state: ExchangeState, effect: ExchangeEvent | None) -> ExchangeState:
    if effect is None:
        return state
    return TRANSITIONS[state].get(effect, state)


def is_active(exchange: Exchange | None) -> bool:
    """An exchange still waiting for its resolution (R4, R11, R12 apply only to these)."""
    return exchange is not None and exchange.state in _ACTIVE


def _effect_for(comment: Comment, decision: Decision) -> ExchangeEffect | None:
    effect = decision.exchange_effect
    if effect in ("ignore", "remove") and not comment.is_top_level:
        return None
    return effect


def _new_exchange(comment: Comment, now: datetime) -> Exchange:
    return Exchange(
        thread_id=comment.thread_id,
        platform=comment.platform,
        account_id=comment.account_id,
        customer_id=comment.author.id,
        state="open",
        category=None,
        sla_due_at=None,
        opened_at=now,
        updated_at=now,
    )


def apply_decision(
    exchange: Exchange | None, comment: Comment, decision: Decision, *, now: datetime
) -> Exchange | None:
    """The exchange after `decision`; None while a thread never needed one (no clock, no effect)."""
    effect = _effect_for(comment, decision)
    if exchange is None:
        if effect is None and decision.category is None:
            return None
        exchange = _new_exchange(comment, now)
    state = transition(exchange.state, effect)
    due = decision.sla_due_at if decision.category is not None else exchange.sla_due_at
    resolved_at = exchange.resolved_at
    if state == "resolved" and exchange.state != "resolved":
        resolved_at = now
    elif state in _ACTIVE:
        resolved_at = None
    return replace(
        exchange,
        state=state,
        category=decision.category or exchange.category,
        sla_due_at=due if state in _ACTIVE else None,
        updated_at=now,
        resolved_at=resolved_at,
        escalated_at=now if effect == "escalate" else exchange.escalated_at,
    )


def apply_removal(exchange: Exchange | None, comment: Comment, *, now: datetime) -> Exchange | None:
    """The author (or the platform) removed a comment: removing the top one ends the exchange."""
    if exchange is None or not comment.is_top_level:
        return exchange
    state = transition(exchange.state, "remove")
    return replace(exchange, state=state, sla_due_at=None, updated_at=now)


def apply_reply(exchange: Exchange, *, now: datetime) -> Exchange:
    """Our reply is done: an open exchange now awaits the customer, its first-response clock met."""
    state = transition(exchange.state, "replied")
    if state == exchange.state:
        return exchange
    return replace(exchange, state=state, sla_due_at=None, updated_at=now)


def exchange_changed(exchange: Exchange) -> ExchangeChanged:
    """The exchange's whole state as an event: what reporting shows of it (it never reads ours)."""
    return ExchangeChanged(
        occurred_at=exchange.updated_at,
        correlation_id=exchange.thread_id,
        account_id=exchange.account_id,
        thread_id=exchange.thread_id,
        platform=exchange.platform,
        state=exchange.state,
        category=exchange.category,
        manual=exchange.manual,
        sla_due_at=exchange.sla_due_at,
        resolved_at=exchange.resolved_at,
        escalated_at=exchange.escalated_at,
        updated_at=exchange.updated_at,
    )
