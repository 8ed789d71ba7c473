"""Elapsed time counted in business hours only, for response-time percentiles (pure)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.accounts import Account

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Calendar:
    """When an account's team works; built from `shared.accounts.Account` by the caller."""

    time_zone: str
    days: frozenset[str]
    start: time
    end: time
    holidays: frozenset[date] = frozenset()


def business_seconds(start: datetime, end: datetime, calendar: Calendar | None) -> float:
    """Seconds between two instants inside working hours; wall-clock when there is no calendar."""
    if end <= start:
        return 0.0
    if calendar is None:
        return (end - start).total_seconds()
    zone = ZoneInfo(calendar.time_zone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        total += _overlap(day, local_start, local_end, calendar, zone)
        day += timedelta(days=1)
    return total


def _overlap(
    day: date, start: datetime, end: datetime, calendar: Calendar, zone: ZoneInfo
) -> float:
    if WEEKDAYS[day.weekday()] not in calendar.days or day in calendar.holidays:
        return 0.0
    opens = datetime.combine(day, calendar.start, zone)
    closes = datetime.combine(day, calendar.end, zone)
    lo, hi = max(opens, start), min(closes, end)
    return max(0.0, (hi - lo).total_seconds())


def percentile(values: Collection[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def calendars_from(accounts: Iterable[Account]) -> Callable[[str, str], Calendar | None]:
    """(platform, account id) → the account's business calendar; None for an account staffed
    around the clock or not configured."""
    calendars: dict[tuple[str, str], Calendar | None] = {}
    for account in accounts:
        hours = account.business_hours
        calendars[(account.platform, account.account_id)] = (
            None
            if hours is None
            else Calendar(
                account.time_zone,
                frozenset(hours.days),
                hours.start,
                hours.end,
                frozenset(account.holidays),
            )
        )
    return lambda platform, account_id: calendars.get((platform, account_id))
