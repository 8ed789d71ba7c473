"""What the inbox says about an exchange's first-response clock: one rule for every row.

The stored state is the latest timer event reporting saw. The timer loop marks a breach only on
its next tick after the deadline, and an exchange whose clock restarted (R4) carries the old
clock's state until the new clock's first event arrives; shown as stored, two past-due exchanges
could read "breached" and "started" side by side. This derives the state from the deadline too.
"""

from __future__ import annotations

from datetime import datetime

from shared.contracts.exchanges import FINISHED_STATES

SETTLED = frozenset({"met", "cancelled"})


def shown_sla_state(
    due_at: datetime | None, last_event: str | None, status: str, now: datetime
) -> str | None:
    """`breached` once the deadline has passed unmet; an earlier clock's breach is not shown
    against a new deadline; settled clocks and finished exchanges keep their last state."""
    if last_event in SETTLED or status in FINISHED_STATES or due_at is None:
        return last_event
    if due_at <= now:
        return "breached"
    if last_event == "breached":
        return "started"
    return last_event
