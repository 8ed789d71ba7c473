"""What the inbox says about an exchange's first-response clock: one rule for every row.

The stored state is the latest timer event reporting saw. The timer loop marks a breach only on
its next tick after the deadline, a reply by hand meets no timer, and an exchange whose clock
restarted (R4) carries the old clock's state until the new clock's first event arrives; shown as
stored, two past-due exchanges could read "breached" and "started" side by side. So the state is
judged at read time: from the deadline, our reply since the clock started, and the exchange's
end, against the current clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.contracts.exchanges import FINISHED_STATES

SETTLED = frozenset({"met", "cancelled"})


def first_reply_since(replies: Iterable[datetime | None], since: datetime) -> datetime | None:
    """Our first reply done at or after `since` (when the current clock started), if any."""
    return min((r for r in replies if r is not None and r >= since), default=None)


def shown_sla_state(
    due_at: datetime | None,
    last_event: str | None,
    status: str,
    now: datetime,
    *,
    replied_at: datetime | None = None,
    closed_at: datetime | None = None,
) -> str | None:
    """The clock's state as of `now`.

    `replied_at`: our first reply since this clock started; `closed_at`: when the exchange was
    resolved. A reply decides it (`met` in time, else `breached`); a `met` timer event too.
    Unanswered: `breached` once the deadline has passed, whatever timer events came; a finished
    exchange keeps its final state (`breached` if it ended past due, else `cancelled`); an
    earlier clock's breach is not shown against a new deadline.
    """
    if due_at is None:
        return last_event
    if last_event == "met":
        return "met"
    if replied_at is not None:
        return "met" if replied_at <= due_at else "breached"
    if status in FINISHED_STATES:
        if last_event == "breached" or (closed_at is not None and closed_at > due_at):
            return "breached"
        if closed_at is not None:
            return "cancelled"
        return last_event
    if last_event in SETTLED:
        return last_event
    if due_at <= now:
        return "breached"
    if last_event == "breached":
        return "started"
    return last_event
