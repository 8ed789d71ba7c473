"""SLA arithmetic: business hours, weekends, holidays, DST, immediate categories, restarts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.triage.domain.policy_loader import parse_policy
from services.triage.domain.sla import (
    BusinessCalendar,
    SlaTerm,
    add_business_time,
    calendar_for,
    parse_duration,
    sla_window,
)
from tests.triage.factories import (
    POLICY_FILE,
    account,
    comment,
    context,
    exchange,
    labeller,
    policy,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = BusinessCalendar(BERLIN, frozenset(range(5)), time(9), time(18))
"""Mon–Fri 09:00–18:00 Berlin."""


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (berlin(2026, 11, 25, 10), 1, berlin(2026, 11, 25, 11)),  # inside hours
        (berlin(2026, 11, 25, 17), 2, berlin(2026, 11, 26, 10)),  # over the night
        (berlin(2026, 11, 25, 20), 1, berlin(2026, 11, 26, 10)),  # arrived after closing
        (berlin(2026, 11, 25, 6), 1, berlin(2026, 11, 25, 10)),  # arrived before opening
        (berlin(2026, 11, 27, 17), 2, berlin(2026, 11, 30, 10)),  # Friday → Monday
        (berlin(2026, 11, 28, 12), 1, berlin(2026, 11, 30, 10)),  # Saturday → Monday
        (berlin(2026, 11, 25, 10), 24, berlin(2026, 11, 27, 16)),  # 24 business hours
        (berlin(2026, 11, 25, 17), 1, berlin(2026, 11, 25, 18)),  # exactly at closing
    ],
)
def test_business_hours_skip_nights_and_weekends(
    start: datetime, hours: int, due: datetime
) -> None:
    assert add_business_time(start, timedelta(hours=hours), OFFICE) == due


def test_holidays_are_closed_days() -> None:
    christmas = BusinessCalendar(
        BERLIN,
        OFFICE.days,
        OFFICE.opens,
        OFFICE.closes,
        frozenset({date(2026, 12, 24), date(2026, 12, 25)}),
    )
    # Wednesday 23 Dec, 17:00 + 2h: Thu 24 and Fri 25 are holidays, then the weekend.
    due = add_business_time(berlin(2026, 12, 23, 17), timedelta(hours=2), christmas)
    assert due == berlin(2026, 12, 28, 10)


def test_spring_forward_weekend_loses_no_business_hour() -> None:
    # Europe/Berlin switched to CEST on Sunday 29 March 2026; Friday 17:00 CET + 2h business.
    due = add_business_time(berlin(2026, 3, 27, 17), timedelta(hours=2), OFFICE)
    assert due == berlin(2026, 3, 30, 10)
    assert due.astimezone(BERLIN).utcoffset() == timedelta(hours=2)  # CEST now
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, tzinfo=UTC)


def test_a_working_sunday_on_the_dst_change_counts_local_hours() -> None:
    every_day = BusinessCalendar(BERLIN, frozenset(range(7)), time(9), time(18))
    # Saturday 17:00 CET (16:00 UTC) + 2h: 1h on Saturday, 1h from Sunday 09:00 CEST (07:00 UTC).
    due = add_business_time(berlin(2026, 3, 28, 17), timedelta(hours=2), every_day)
    assert due.astimezone(UTC) == datetime(2026, 3, 29, 8, tzinfo=UTC)
    # Autumn: Sunday 25 October 2026 back to CET; 09:00 local is then 08:00 UTC.
    due = add_business_time(berlin(2026, 10, 24, 17), timedelta(hours=2), every_day)
    assert due.astimezone(UTC) == datetime(2026, 10, 25, 9, tzinfo=UTC)


def test_around_the_clock_is_absolute_time_across_dst() -> None:
    # 24h after Saturday noon CET is Sunday 13:00 CEST: one wall-clock hour more, no SLA lost.
    due = add_business_time(berlin(2026, 3, 28, 12), timedelta(hours=24), None)
    assert due.astimezone(BERLIN) == berlin(2026, 3, 29, 13)


def test_the_accounts_zone_decides_and_the_result_is_utc() -> None:
    office_ny = BusinessCalendar(NEW_YORK, frozenset(range(5)), time(9), time(17))
    # Wednesday 16:30 Berlin = 10:30 New York: inside New York's hours.
    due = add_business_time(berlin(2026, 11, 25, 16, 30), timedelta(hours=1), office_ny)
    assert due == datetime(2026, 11, 25, 11, 30, tzinfo=NEW_YORK)
    assert due.tzinfo is UTC


def test_calendar_from_the_account_settings() -> None:
    assert calendar_for(account()) is None  # no business hours: staffed around the clock
    acc = account(
        time_zone="America/New_York",
        business_hours={"days": ["mon", "wed"], "start": "08:30", "end": "12:00"},
        holidays=["2026-11-25"],
    )
    cal = calendar_for(acc)
    assert cal is not None
    assert (cal.zone.key, cal.days, cal.opens, cal.closes) == (
        "America/New_York",
        frozenset({0, 2}),
        time(8, 30),
        time(12),
    )
    assert cal.window(date(2026, 11, 25)) is None  # a holiday
    assert cal.window(date(2026, 11, 24)) is None  # a Tuesday
    with pytest.raises(ValueError, match="start 18:00:00 must be before end"):
        account(business_hours={"start": "18:00", "end": "09:00"})
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        account(time_zone="Mars/Olympus")


def test_a_calendar_without_open_days_is_refused() -> None:
    with pytest.raises(ValueError, match="needs working days"):
        BusinessCalendar(BERLIN, frozenset(), time(9), time(18))
    closed = BusinessCalendar(
        BERLIN,
        frozenset({0}),
        time(9),
        time(10),
        frozenset(date(2026, 1, 1) + timedelta(days=d) for d in range(4000)),
    )
    with pytest.raises(ValueError, match="no business hours within"):
        add_business_time(berlin(2026, 1, 1), timedelta(hours=1), closed)


def test_window_with_due_soon_at_a_fraction_of_business_time() -> None:
    window = sla_window(
        SlaTerm(timedelta(hours=10)), berlin(2026, 11, 25, 14), OFFICE, due_soon_fraction=0.8
    )
    assert window.due_at == berlin(2026, 11, 26, 15)  # 4h Wednesday + 6h Thursday
    assert window.due_soon_at == berlin(2026, 11, 26, 13)  # 8h in
    immediate = sla_window(
        SlaTerm(timedelta(hours=1), business_hours=False), berlin(2026, 11, 28, 23), OFFICE
    )
    assert immediate.due_at == berlin(2026, 11, 29, 0)
    assert immediate.due_soon_at is None
    # The window says which time it counted, so reports measure responses the same way.
    assert window.business_hours and not immediate.business_hours
    unstaffed = sla_window(SlaTerm(timedelta(hours=1)), berlin(2026, 11, 28, 23), None)
    assert not unstaffed.business_hours


OFFICE_HOURS = {"days": ["mon", "tue", "wed", "thu", "fri"]}


@pytest.mark.parametrize(
    ("lang", "text", "category", "due"),
    [
        # R1 is immediate (`business_hours: false` in the policy): Saturday night counts.
        ("de", "Mein Paket ist nie angekommen.", "complaint.product", berlin(2026, 11, 29, 0)),
        ("en", "My order never arrived.", "complaint.product", berlin(2026, 11, 29, 0)),
        # R2 counts 24 business hours from Monday 09:00.
        (
            "de",
            "Eure Hotline ist eine Katastrophe, niemand antwortet.",
            "complaint.customer_service",
            berlin(2026, 12, 2, 15),
        ),
        (
            "en",
            "Your support ignored me for two weeks, nobody answers.",
            "complaint.customer_service",
            berlin(2026, 12, 2, 15),
        ),
    ],
)
def test_decide_uses_the_accounts_business_hours_per_category(
    lang: str, text: str, category: str, due: datetime
) -> None:
    saturday_night = berlin(2026, 11, 28, 23)
    c = comment(text, created_at=saturday_night)
    labelled = labeller().label_batch([(text, lang)])[0]
    acc = account(language=lang, business_hours=OFFICE_HOURS)
    decision = policy().decide(c, labelled, context(acc=acc), now=saturday_night)
    assert decision is not None
    assert (decision.category, decision.timer) == (category, "sla")
    assert decision.sla_due_at == due
    assert decision.sla_started_at == saturday_night
    assert decision.sla_due_soon_at is not None and decision.sla_due_soon_at < due


def test_a_new_customer_message_restarts_the_clock_from_that_message() -> None:
    acc = account(business_hours=OFFICE_HOURS)
    first_at, again_at = berlin(2026, 11, 25, 10), berlin(2026, 11, 26, 16)
    text = "Eure Hotline ist eine Katastrophe, niemand antwortet."
    labelled = labeller().label_batch([(text, "de")])[0]
    first = policy().decide(
        comment(text, created_at=first_at), labelled, context(acc=acc), now=first_at
    )
    assert first is not None and first.sla_due_at == berlin(2026, 11, 27, 16)
    ex = exchange(category="complaint.customer_service")
    again = policy().decide(
        comment(text, comment_id="c2", parent_id="c1", created_at=again_at),
        labelled,
        context(acc=acc, ex=ex),
        now=again_at,
    )
    assert again is not None and again.rule_id == "R4"
    assert again.sla_started_at == again_at
    assert again.sla_due_at == berlin(2026, 12, 1, 13)  # 2h Thu, 9h Fri, 9h Mon, 4h Tue


def test_plain_and_mapping_spellings_in_the_policy_file() -> None:
    text = POLICY_FILE.read_text(encoding="utf-8").replace(
        "complaint.customer_service: 24h", "complaint.customer_service: {within: 30s}"
    )
    parsed = parse_policy(text)
    terms = parsed.sla_terms()
    assert terms["complaint.product"] == SlaTerm(timedelta(hours=1), business_hours=False)
    assert terms["complaint.customer_service"] == SlaTerm(timedelta(seconds=30))
    assert terms["complaint.social_media"] == SlaTerm(timedelta(hours=48))
    assert parsed.settings.due_soon_fraction == 0.8
    assert parse_duration("30s") == timedelta(seconds=30)
    bad = POLICY_FILE.read_text(encoding="utf-8").replace(
        "complaint.social_media: 48h", "complaint.social_media: {within: soon}"
    )
    with pytest.raises(ValueError, match=r"sla\.complaint\.social_media"):
        parse_policy(bad)
