"""The inbox's SLA state follows the deadline, so past-due rows all read alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.reporting.domain.sla_display import shown_sla_state

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
