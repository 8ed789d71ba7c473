"""SLA arithmetic, deterministic ids and the exchange state machine."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from services.triage.domain.context import Decision
from services.triage.domain.exchange import (
    TRANSITIONS,
    apply_decision,
    apply_removal,
    apply_reply,
    transition,
)
from services.triage.domain.ids import action_id, decision_id
from services.triage.domain.sla import parse_duration
from tests.triage.factories import NOW, account, comment, exchange, policy


@pytest.mark.parametrize(
    ("category", "hours"),
    [("complaint.product", 1), ("complaint.customer_service", 24), ("complaint.social_media", 48)],
)
def test_due_time_per_category(category: str, hours: int) -> None:
    assert policy().sla_window(category, NOW, account()).due_at == NOW + timedelta(hours=hours)


def test_sla_refuses_unknown_categories_naive_times_and_bad_durations() -> None:
    with pytest.raises(ValueError, match="no SLA for category 'troll'"):
        policy().sla_window("troll", NOW, account())
    with pytest.raises(ValueError, match="no time zone"):
        policy().sla_window("complaint.product", datetime(2026, 1, 1), account())  # noqa: DTZ001
    with pytest.raises(ValueError, match="'1 hour'"):
        parse_duration("1 hour")
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)


def test_ids_are_deterministic_per_event_and_policy_version() -> None:
    key = "facebook:1001:c1:created"
    assert decision_id(key, "v1") == decision_id(key, "v1")
    assert decision_id(key, "v1") != decision_id(key, "v2")
    assert decision_id(key, "v1") != decision_id("facebook:1001:c2:created", "v1")
    assert len(decision_id(key, "v1")) == 32
    assert action_id("abc", "reply") == "abc:reply"


@pytest.mark.parametrize(
    ("state", "effect", "after"),
    [
        ("open", "await_customer", "open"),  # our reply is planned, not done
        ("open", "replied", "awaiting_customer"),  # the responder reported it done
        ("open", "ignore", "ignored"),
        ("open", "remove", "removed"),
        ("open", "resolve", "resolved"),
        ("awaiting_customer", "await_customer", "open"),  # R4: the customer wrote again
        ("awaiting_customer", "replied", "awaiting_customer"),
        ("awaiting_customer", "resolve", "resolved"),
        ("awaiting_customer", "escalate", "open"),
        ("awaiting_customer", "ignore", "awaiting_customer"),
        ("resolved", "await_customer", "open"),
        ("resolved", "replied", "resolved"),  # e.g. the deletion request after R12
        ("ignored", "open", "open"),
        ("removed", "await_customer", "removed"),
        ("removed", "replied", "removed"),
        ("open", None, "open"),
    ],
)
def test_transitions(state: str, effect: str | None, after: str) -> None:
    assert transition(state, effect) == after  # type: ignore[arg-type]


def test_removed_is_terminal() -> None:
    assert TRANSITIONS["removed"] == {}


def _decision(effect: str | None, category: str | None = None, negative: bool = True) -> Decision:
    return Decision(
        rule_id="Rx",
        reason="test",
        actions=(),
        category=category,
        sla_due_at=NOW + timedelta(hours=1) if category else None,
        improvement=negative,
        strike=False,
        exchange_effect=effect,  # type: ignore[arg-type]
    )


def test_a_first_complaint_opens_an_exchange_that_awaits_the_customer_once_we_replied() -> None:
    ex = apply_decision(
        None, comment("x"), _decision("await_customer", "complaint.product"), now=NOW
    )
    assert ex is not None
    assert (ex.state, ex.customer_id, ex.category) == ("open", "u1", "complaint.product")
    assert ex.sla_due_at == NOW + timedelta(hours=1)
    later = NOW + timedelta(minutes=5)
    replied = apply_reply(ex, now=later)
    assert (replied.state, replied.sla_due_at, replied.updated_at) == (
        "awaiting_customer",
        None,
        later,
    )
    assert apply_reply(replied, now=later) is replied


def test_a_new_customer_message_after_our_reply_reopens_and_restarts_the_clock() -> None:
    waiting = exchange(state="awaiting_customer")
    follow_up = comment("x", comment_id="c2", parent_id="c1")
    decision = replace(
        _decision("await_customer", "complaint.product"), sla_due_at=NOW + timedelta(hours=3)
    )
    ex = apply_decision(waiting, follow_up, decision, now=NOW)
    assert ex is not None and (ex.state, ex.sla_due_at) == ("open", NOW + timedelta(hours=3))


def test_no_exchange_for_a_thread_that_never_needed_one() -> None:
    assert apply_decision(None, comment("x"), _decision(None, negative=False), now=NOW) is None


def test_a_follow_up_keeps_the_exchange_and_resolution_stops_the_clock() -> None:
    ex = exchange()
    reply = comment("x", comment_id="c2", parent_id="c1")
    ex2 = apply_decision(ex, reply, _decision("await_customer", "complaint.product"), now=NOW)
    assert ex2 is not None and ex2.state == "open"
    ex3 = apply_decision(ex2, reply, _decision("resolve", negative=False), now=NOW)
    assert ex3 is not None
    assert (ex3.state, ex3.resolved_at, ex3.sla_due_at) == (
        "resolved",
        NOW,
        None,
    )


def test_only_the_top_comment_ignores_or_removes_the_exchange() -> None:
    ex = exchange()
    reply = comment("x", comment_id="c2", parent_id="c1")
    after = apply_decision(ex, reply, _decision("remove"), now=NOW)
    assert after is not None and after.state == "awaiting_customer"
    top = apply_decision(replace(ex, state="open"), comment("x"), _decision("remove"), now=NOW)
    assert top is not None and top.state == "removed"


def test_removal_of_the_top_comment_by_its_author() -> None:
    removed = apply_removal(exchange(), comment("x"), now=NOW)
    assert removed is not None and (removed.state, removed.sla_due_at) == ("removed", None)
    reply = comment("x", comment_id="c2", parent_id="c1")
    assert apply_removal(exchange(), reply, now=NOW) == exchange()
    assert apply_removal(None, comment("x"), now=NOW) is None


def test_escalation_is_recorded() -> None:
    ex = apply_decision(
        exchange(),
        comment("x", comment_id="c3", parent_id="c1"),
        _decision("escalate", "complaint.product"),
        now=NOW,
    )
    assert ex is not None and ex.escalated_at == NOW
