"""The report a support lead reads each week: SLA, backlog, topics, alerts, actions (pure).

Every figure is computed here from plain facts, so the inbox page, the weekly document and the
tests read the same numbers. Days are the account's local days; every response time starts when
the customer wrote (the platform's comment time), as triage's SLA clocks do.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.reporting.domain.business_time import percentile
from services.reporting.domain.reports import (
    CalendarLookup,
    ExchangeFacts,
    FeedbackMessage,
    SlaOutcome,
    SlaRow,
    TopicRow,
    first_response_seconds,
    improvement_report,
    sla_outcome,
    sla_report,
)

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
ACTION_GROUPS: Mapping[str, tuple[str, ...]] = {
    "replies": ("reply", "private_reply"),
    "hides": ("hide",),
    "deletions": ("delete",),
    "blocks": ("block_author",),
    "reports": ("report_to_platform",),
}
"""What the lead sees of the responder's work, in this order; other kinds are bookkeeping."""


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, covering whole local days of `zone`."""

    start: datetime
    end: datetime
    label: str
    zone: str

    @property
    def days(self) -> list[date]:
        tz = ZoneInfo(self.zone)
        first = self.start.astimezone(tz).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(tz).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def day_of(self, at: datetime) -> date:
        return at.astimezone(ZoneInfo(self.zone)).date()

    def end_of(self, day: date) -> datetime:
        """The first instant after the local `day`."""
        return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(self.zone))


def iso_week(week: str, zone: str) -> Period:
    """`2026-W48` → Monday 00:00 to the next Monday 00:00 in `zone`."""
    match = _WEEK.match(week.strip())
    if match is None:
        raise ValueError(f"week {week!r} is not an ISO week like 2026-W48")
    try:
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError as exc:
        raise ValueError(f"week {week!r} does not exist: {exc}") from exc
    tz = ZoneInfo(zone)
    # In UTC: aware datetimes of one zone subtract as wall clocks, hiding a DST hour.
    start = datetime.combine(monday, time(), tz).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(), tz).astimezone(UTC)
    return Period(start, end, week.strip(), zone)


def week_of(at: datetime, zone: str) -> str:
    """The ISO week (`2026-W48`) that holds `at` in `zone`."""
    year, week, _ = at.astimezone(ZoneInfo(zone)).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class ActionFact:
    kind: str
    completed_at: datetime


@dataclass(frozen=True)
class AlertFact:
    thread_id: str
    at: datetime
    score: float


@dataclass(frozen=True)
class DayCompliance:
    day: date
    category: str
    met: int
    breached: int

    @property
    def met_pct(self) -> float | None:
        settled = self.met + self.breached
        return round(100.0 * self.met / settled, 1) if settled else None


@dataclass(frozen=True)
class DayBacklog:
    day: date
    awaiting_response: int
    """Exchanges of the period with an SLA clock and no first response at the end of the day."""
    open: int
    """Exchanges of the period opened by then and not resolved by then."""


@dataclass(frozen=True)
class DayActions:
    day: date
    counts: Mapping[str, int]
    """Per `ACTION_GROUPS` key, actions the responder completed that day."""


@dataclass(frozen=True)
class Totals:
    exchanges: int
    complaints: int
    met: int
    breached: int
    pending: int
    first_response_p50_s: float | None
    first_response_p90_s: float | None

    @property
    def met_pct(self) -> float | None:
        settled = self.met + self.breached
        return round(100.0 * self.met / settled, 1) if settled else None


@dataclass(frozen=True)
class WeeklyReport:
    account_id: str
    account_name: str
    period: Period
    generated_at: datetime
    totals: Totals
    sla: list[SlaRow]
    compliance: list[DayCompliance]
    backlog: list[DayBacklog]
    topics: list[TopicRow]
    alerts: list[AlertFact]
    actions: list[DayActions]

    @property
    def categories(self) -> list[str]:
        return sorted({c.category for c in self.compliance})


def _compliance(
    period: Period, exchanges: Sequence[ExchangeFacts], outcomes: Mapping[str, SlaOutcome | None]
) -> list[DayCompliance]:
    counts: dict[tuple[date, str], Counter[str]] = defaultdict(Counter)
    for e in exchanges:
        outcome = outcomes[e.thread_id]
        if outcome is not None:
            counts[(period.day_of(e.first_message_at), e.category or "none")][outcome] += 1
    return [
        DayCompliance(day, category, c["met"], c["breached"])
        for (day, category), c in sorted(counts.items())
    ]


def _backlog(period: Period, exchanges: Sequence[ExchangeFacts], now: datetime) -> list[DayBacklog]:
    rows = []
    for day in period.days:
        t = min(period.end_of(day), now)
        opened = [e for e in exchanges if e.first_message_at < t]
        waiting = sum(
            1
            for e in opened
            if e.clock is not None and (e.first_response_at is None or e.first_response_at >= t)
        )
        still_open = sum(1 for e in opened if e.resolved_at is None or e.resolved_at >= t)
        rows.append(DayBacklog(day, waiting, still_open))
    return rows


def _actions(period: Period, actions: Sequence[ActionFact]) -> list[DayActions]:
    group_of = {kind: group for group, kinds in ACTION_GROUPS.items() for kind in kinds}
    per_day: dict[date, Counter[str]] = defaultdict(Counter)
    for a in actions:
        group = group_of.get(a.kind)
        if group is not None and period.start <= a.completed_at < period.end:
            per_day[period.day_of(a.completed_at)][group] += 1
    return [DayActions(day, {g: per_day[day][g] for g in ACTION_GROUPS}) for day in period.days]


def weekly_report(
    *,
    account_id: str,
    account_name: str,
    period: Period,
    exchanges: Sequence[ExchangeFacts],
    messages: Sequence[FeedbackMessage],
    actions: Sequence[ActionFact],
    alerts: Sequence[AlertFact],
    calendars: CalendarLookup,
    now: datetime,
    topics: int = 10,
) -> WeeklyReport:
    """The figures of one account's period; `messages` may reach back one period (for trends)."""
    mine = [e for e in exchanges if e.account_id == account_id]
    outcomes = {e.thread_id: sla_outcome(e, now) for e in mine}
    counted = Counter(outcomes.values())
    responses = [
        f
        for e in mine
        if (f := first_response_seconds(e, calendars(e.platform, e.account_id))) is not None
    ]
    sla = sla_report(mine, calendars, now)
    totals = Totals(
        exchanges=len(mine),
        complaints=sum(1 for e in mine if (e.category or "").startswith("complaint.")),
        met=counted["met"],
        breached=counted["breached"],
        pending=counted["pending"],
        first_response_p50_s=percentile(responses, 50),
        first_response_p90_s=percentile(responses, 90),
    )
    return WeeklyReport(
        account_id=account_id,
        account_name=account_name,
        period=period,
        generated_at=now,
        totals=totals,
        sla=sla,
        compliance=_compliance(period, mine, outcomes),
        backlog=_backlog(period, mine, now),
        topics=improvement_report(
            [m for m in messages if m.account_id == account_id],
            outcomes,
            start=period.start,
            end=period.end,
            limit=topics,
        ),
        alerts=sorted((a for a in alerts if period.start <= a.at < period.end), key=lambda a: a.at),
        actions=_actions(period, actions),
    )


def week_to_send(now: datetime, zone: str, weekday: int, at: time) -> str:
    """The finished week a scheduled report covers at `now`: last week once this week's send
    time (Monday = 0) has passed, else the week before it (not sent yet if the service was
    down then: a late report beats a missing one)."""
    local = now.astimezone(ZoneInfo(zone))
    monday = local.date() - timedelta(days=local.weekday())
    send = datetime.combine(monday + timedelta(days=weekday), at, ZoneInfo(zone))
    weeks_back = 1 if local >= send else 2
    noon = datetime.combine(monday - timedelta(weeks=weeks_back), time(12), ZoneInfo(zone))
    return week_of(noon, zone)
