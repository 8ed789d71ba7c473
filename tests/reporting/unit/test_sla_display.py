"""The inbox's SLA state follows the deadline, so past-due rows all read alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.reporting.domain.sla_display import first_reply_since, shown_sla_state

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
PAST, FUTURE = NOW - timedelta(minutes=1), NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    ("due", "last", "status", "shown"),
    [
        (PAST, "started", "open", "breached"),  # the loop has not ticked yet
        (PAST, "due_soon", "open", "breached"),
        (PAST, "breached", "open", "breached"),
        (PAST, None, "open", "breached"),  # no timer event seen yet
        (FUTURE, "breached", "open", "started"),  # an earlier clock's breach, R4 restarted it
        (FUTURE, "due_soon", "open", "due_soon"),
        (PAST, "met", "awaiting_customer", "met"),
        (PAST, "cancelled", "open", "cancelled"),
        (PAST, "started", "resolved", "started"),  # finished: nothing is due any more
        (None, None, "open", None),
    ],
)
def test_shown_state(
    due: datetime | None, last: str | None, status: str, shown: str | None
) -> None:
    assert shown_sla_state(due, last, status, NOW) == shown


DUE = NOW - timedelta(minutes=30)
"""A deadline half an hour ago, for the cases judged against our reply and the exchange's end."""


@pytest.mark.parametrize(
    ("due", "last", "status", "replied", "closed", "shown"),
    [
        # due in the future, unanswered: as the timer said
        (FUTURE, "started", "open", None, None, "started"),
        (FUTURE, None, "open", None, None, None),
        # past due, unanswered: breached whether or not the breach event has come
        (DUE, "breached", "open", None, None, "breached"),
        (DUE, "started", "open", None, None, "breached"),
        (DUE, "due_soon", "open", None, None, "breached"),
        # answered before the deadline: met, even if no `met` event came (a reply by hand meets
        # no timer) or the loop breached it regardless
        (DUE, "started", "awaiting_customer", DUE - timedelta(minutes=5), None, "met"),
        (DUE, "breached", "awaiting_customer", DUE - timedelta(minutes=5), None, "met"),
        (DUE, "met", "awaiting_customer", None, None, "met"),
        (FUTURE, "started", "awaiting_customer", NOW, None, "met"),
        # answered after the deadline: breached, and it stays so
        (DUE, "started", "awaiting_customer", DUE + timedelta(minutes=5), None, "breached"),
        (DUE, "breached", "awaiting_customer", DUE + timedelta(minutes=5), None, "breached"),
        (DUE, "breached", "resolved", DUE + timedelta(minutes=5), NOW, "breached"),
        # resolved: the final state, not judged against today's clock
        (DUE, "cancelled", "resolved", None, DUE - timedelta(minutes=10), "cancelled"),
        (DUE, "started", "resolved", None, DUE - timedelta(minutes=10), "cancelled"),
        (DUE, "started", "resolved", None, DUE + timedelta(minutes=10), "breached"),
        (DUE, "breached", "resolved", None, NOW, "breached"),
        (DUE, "met", "resolved", DUE - timedelta(minutes=5), NOW, "met"),
        (DUE, "cancelled", "resolved", DUE - timedelta(minutes=5), NOW, "met"),
        (FUTURE, "started", "resolved", None, NOW, "cancelled"),
    ],
)
def test_state_follows_our_reply_and_the_exchanges_end(
    due: datetime,
    last: str | None,
    status: str,
    replied: datetime | None,
    closed: datetime | None,
    shown: str | None,
) -> None:
    got = shown_sla_state(due, last, status, NOW, replied_at=replied, closed_at=closed)
    assert got == shown


def test_every_past_due_unanswered_open_exchange_reads_breached() -> None:
    """The user's report: past-due rows read alike, whichever timer event came last."""
    shown = {
        shown_sla_state(DUE, last, status, NOW)
        for last in (None, "started", "due_soon", "breached")
        for status in ("open", "awaiting_customer")
    }
    assert shown == {"breached"}


def test_the_first_reply_since_the_clock_started_is_the_one_that_counts() -> None:
    start = NOW - timedelta(hours=1)
    earlier, later = start - timedelta(minutes=1), start + timedelta(minutes=3)
    assert first_reply_since([earlier, None, later, NOW], start) == later
    assert first_reply_since([start], start) == start
    assert first_reply_since([earlier, None], start) is None
    assert first_reply_since([], start) is None
