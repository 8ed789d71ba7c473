"""Triage's pure side of agent commands: state changes and the replies a take-over holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from services.triage.domain.agent import apply_command, hold_replies, newly_resolved
from services.triage.domain.context import ActionPlan, Decision, Exchange

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
OPEN = Exchange(
    thread_id="facebook:1",
    platform="facebook",
    account_id="1001",
    customer_id="a1",
    state="open",
    category="complaint.product",
    sla_due_at=NOW + timedelta(hours=1),
    opened_at=NOW - timedelta(hours=1),
    updated_at=NOW - timedelta(hours=1),
)


def _decision(*kinds: str) -> Decision:
    return Decision(
        rule_id="R7",
        reason="spam",
        actions=tuple(ActionPlan(kind=k) for k in kinds),  # type: ignore[arg-type]
        category=None,
        sla_due_at=None,
        improvement=False,
        strike=False,
        exchange_effect=None,
    )


def test_resolve_closes_an_active_exchange_once() -> None:
    resolved = apply_command(OPEN, "resolve", now=NOW)
    assert (resolved.state, resolved.resolved_at, resolved.sla_due_at) == ("resolved", NOW, None)
    assert newly_resolved(OPEN, resolved)
    again = apply_command(resolved, "resolve", now=NOW + timedelta(minutes=1))
    assert again == resolved and not newly_resolved(resolved, again)


def test_reopen_brings_a_resolved_exchange_back_but_not_a_removed_one() -> None:
    reopened = apply_command(replace(OPEN, state="resolved", resolved_at=NOW), "reopen", now=NOW)
    assert (reopened.state, reopened.resolved_at) == ("open", None)
    removed = replace(OPEN, state="removed")
    assert apply_command(removed, "reopen", now=NOW) == removed


def test_take_over_and_release_toggle_manual() -> None:
    taken = apply_command(OPEN, "take_over", now=NOW)
    assert taken.manual and taken.state == "open"
    assert apply_command(taken, "take_over", now=NOW) == taken
    assert not apply_command(taken, "release", now=NOW).manual


def test_a_taken_over_exchange_keeps_moderation_but_gets_no_replies() -> None:
    decision = _decision("reply", "hide", "private_reply", "preserve_evidence")
    held = hold_replies(decision, replace(OPEN, manual=True))
    assert held is not None
    assert [a.kind for a in held.actions] == ["hide", "preserve_evidence"]
    assert "an agent took this exchange over" in held.reason
    assert hold_replies(decision, OPEN) is decision
    assert hold_replies(None, OPEN) is None
