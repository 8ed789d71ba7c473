"""First-response deadlines: durations per category, counted in business hours where they apply.

Pure arithmetic on aware datetimes. Business hours are local wall-clock times in the account's
zone; the time between them is measured in absolute (UTC) time, so a DST change neither adds nor
loses an hour of SLA. Accounts without business hours run on wall-clock time around the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.accounts import WEEKDAYS, Account

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MAX_SEARCH_DAYS = 3_700
"""A calendar without a working day in ten years is a configuration error, not a deadline."""


def parse_duration(text: str) -> timedelta:
    """`90m`, `1h`, `2d` (and `30s` for tests): the spelling the policy file uses."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"duration {text!r} is not like '90m', '1h' or '2d'")
    return timedelta(**{_UNIT[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class SlaTerm:
    """A category's first-response window; `business_hours=False` runs it around the clock."""

    within: timedelta
    business_hours: bool = True


@dataclass(frozen=True)
class SlaWindow:
    """When a clock started, when it is nearly due, and when it breaches."""

    started_at: datetime
    due_soon_at: datetime | None
    due_at: datetime
    business_hours: bool = False
    """True when the window counts only the account's business hours; reports measure the
    response in the same time as the clock that judged it."""


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours on working days in one zone, minus holidays (local dates)."""

    zone: ZoneInfo
    days: frozenset[int]
    """Working weekdays, Monday = 0."""
    opens: time
    closes: time
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.days or self.opens >= self.closes:
            raise ValueError(
                f"business calendar needs working days and opens < closes, got days "
                f"{sorted(self.days)}, {self.opens}-{self.closes}"
            )

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's open interval in UTC, or None on a closed day."""
        if day.weekday() not in self.days or day in self.holidays:
            return None
        opens = datetime.combine(day, self.opens, self.zone).astimezone(UTC)
        return opens, datetime.combine(day, self.closes, self.zone).astimezone(UTC)


def calendar_for(account: Account) -> BusinessCalendar | None:
    """The account's calendar; None when it has no business hours (staffed around the clock)."""
    hours = account.business_hours
    if hours is None:
        return None
    return BusinessCalendar(
        zone=ZoneInfo(account.time_zone),
        days=frozenset(WEEKDAYS.index(day) for day in hours.days),
        opens=hours.start,
        closes=hours.end,
        holidays=frozenset(account.holidays),
    )


def _aware(start: datetime) -> None:
    if start.tzinfo is None:
        raise ValueError(f"SLA start {start!r} has no time zone; deadlines must be unambiguous")


def add_business_time(
    start: datetime, duration: timedelta, calendar: BusinessCalendar | None
) -> datetime:
    """`start + duration`, counting only open hours of `calendar` (all hours when None); UTC."""
    _aware(start)
    cursor = start.astimezone(UTC)
    if calendar is None:
        return cursor + duration
    remaining = duration
    day = cursor.astimezone(calendar.zone).date()
    for _ in range(MAX_SEARCH_DAYS):
        window = calendar.window(day)
        if window is not None:
            begin, end = max(cursor, window[0]), window[1]
            if begin < end:
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
        day += timedelta(days=1)
    raise ValueError(
        f"no business hours within {MAX_SEARCH_DAYS} days after {start.isoformat()} "
        f"(working days {sorted(calendar.days)}, {len(calendar.holidays)} holidays)"
    )


def sla_window(
    term: SlaTerm,
    start: datetime,
    calendar: BusinessCalendar | None,
    *,
    due_soon_fraction: float | None = None,
) -> SlaWindow:
    """The deadline of `term` from `start`, and the "due soon" point at a fraction of it."""
    effective = calendar if term.business_hours else None
    due = add_business_time(start, term.within, effective)
    soon = None
    if due_soon_fraction is not None:
        soon = add_business_time(start, term.within * due_soon_fraction, effective)
    return SlaWindow(
        started_at=start.astimezone(UTC),
        due_soon_at=soon,
        due_at=due,
        business_hours=effective is not None,
    )
