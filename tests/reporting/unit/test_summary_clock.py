"""The summary's deadline and its timer state belong together: a new clock starts afresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.reporting.domain.sla_display import shown_sla_state
from services.reporting.domain.summary import ExchangeSummary, fold_messages
from tests.reporting.unit.test_risk import msg

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
OLD_DUE = NOW - timedelta(hours=2)
NEW_DUE = NOW - timedelta(minutes=10)


def _answered_clock() -> ExchangeSummary:
    """The first message's clock, met by our reply."""
    first = fold_messages(None, [msg(180)], OLD_DUE)
    return ExchangeSummary(**{**vars(first), "sla_state": "met"})


def test_a_new_deadline_does_not_carry_the_old_clocks_met() -> None:
    """R4: the customer wrote again; the old clock's `met` hid the new clock's breach."""
    restarted = fold_messages(_answered_clock(), [msg(70)], NEW_DUE)
    assert (restarted.sla_due_at, restarted.sla_state) == (NEW_DUE, "started")
    assert shown_sla_state(restarted.sla_due_at, restarted.sla_state, "open", NOW) == "breached"


def test_the_same_deadline_keeps_the_state_its_timer_events_set() -> None:
    """The new clock's timer events came before its decision: nothing to reset."""
    ahead = ExchangeSummary(**{**vars(_answered_clock()), "sla_due_at": NEW_DUE})
    folded = fold_messages(ahead, [msg(70)], NEW_DUE)
    assert (folded.sla_due_at, folded.sla_state) == (NEW_DUE, "met")


def test_a_message_without_a_clock_or_an_older_one_keeps_the_state() -> None:
    answered = _answered_clock()
    thanks = fold_messages(answered, [msg(60)], None)
    assert (thanks.sla_due_at, thanks.sla_state) == (OLD_DUE, "met")
    late = fold_messages(answered, [msg(200)], NEW_DUE)  # an older message, decided late
    assert (late.sla_due_at, late.sla_state) == (OLD_DUE, "met")
