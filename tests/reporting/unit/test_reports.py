"""Business-hours arithmetic, percentiles, the SLA report and the improvement report."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from services.reporting.domain.business_time import Calendar, business_seconds, percentile
from services.reporting.domain.reports import (
    ExchangeFacts,
    FeedbackMessage,
    TimerOutcome,
    improvement_report,
    sla_csv,
    sla_report,
)
from services.reporting.domain.topics import keywords, topics_of

BERLIN = Calendar(
    "Europe/Berlin",
    frozenset({"mon", "tue", "wed", "thu", "fri"}),
    time(9),
    time(18),
    frozenset({date(2026, 11, 26)}),
)
MON = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def test_business_seconds_skip_nights_weekends_and_holidays() -> None:
    assert business_seconds(MON, MON + timedelta(hours=2), BERLIN) == 7200
    # Monday 17:00 Berlin to Tuesday 10:00 Berlin: one hour Monday, one hour Tuesday.
    assert business_seconds(MON + timedelta(hours=8), MON + timedelta(hours=25), BERLIN) == 7200
    # Friday 17:00 to Monday 10:00 Berlin: one hour each side of the weekend.
    fri = MON + timedelta(days=4, hours=8)
    assert business_seconds(fri, fri + timedelta(days=2, hours=17), BERLIN) == 7200
    # Thursday 26 November is a holiday.
    thu = MON + timedelta(days=3)
    assert business_seconds(thu, thu + timedelta(hours=5), BERLIN) == 0
    assert business_seconds(MON, MON + timedelta(hours=30), None) == 30 * 3600
    assert business_seconds(MON, MON - timedelta(hours=1), BERLIN) == 0


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([float(n) for n in range(1, 11)], 90) == 9.0


def facts(
    thread: str,
    first_response_h: float | None,
    *,
    resolved_h: float | None = None,
    open_: bool = False,
    category: str = "complaint.product",
) -> ExchangeFacts:
    def h(x: float | None) -> datetime | None:
        return None if x is None else MON + timedelta(hours=x)

    return ExchangeFacts(
        thread, "facebook", "acc", category, MON, h(first_response_h), h(resolved_h), open_
    )


def test_sla_report_groups_by_account_and_category() -> None:
    rows = sla_report(
        [
            facts("t1", 1, resolved_h=2),
            facts("t2", 3),
            facts("t3", None, open_=True),
            facts("t4", 0.5, category="complaint.customer_service"),
        ],
        [TimerOutcome("acc", "complaint.product", o) for o in ("met", "breached", "met", "open")],
        lambda platform, account: BERLIN,
    )
    product, service = sorted(rows, key=lambda r: r.category, reverse=True)
    assert (product.exchanges, product.met, product.breached) == (3, 2, 1)
    assert (product.met_pct, product.breached_pct) == (66.7, 33.3)
    assert (product.first_response_p50_s, product.first_response_p90_s) == (3600, 10800)
    assert (product.resolution_p50_s, product.open_backlog) == (7200, 1)
    assert (service.exchanges, service.met_pct, service.first_response_p50_s) == (1, None, 1800)
    csv = sla_csv(rows)
    assert csv.splitlines()[0].startswith("account_id,category,exchanges,met,breached")
    assert "acc,complaint.product,3,2,1,66.7,33.3,3600.0,10800.0,7200.0,7200.0,1" in csv


def test_keywords_drop_german_and_english_stopwords() -> None:
    assert keywords("Mein Akku ist nach dem Update kaputt, und die Hotline antwortet nicht!") == [
        "akku",
        "update",
        "kaputt",
        "hotline",
        "antwortet",
    ]
    assert keywords("The battery of my phone is broken and the app crashes") == [
        "battery",
        "phone",
        "broken",
        "app",
        "crashes",
    ]
    assert topics_of("complaint.product", "Akku") == ["category:complaint.product", "akku"]


def test_improvement_report_ranks_topics_with_trend_and_examples() -> None:
    start, end = MON, MON + timedelta(days=7)

    def fb(days: float, *topics: str, text: str = "x") -> FeedbackMessage:
        return FeedbackMessage("acc", f"t{days}", MON + timedelta(days=days), topics, text)

    messages = [
        fb(1, "akku", text="Akku 1"),
        fb(2, "akku", text="Akku 2"),
        fb(3, "akku", text="Akku 3"),
        fb(4, "akku", text="Akku 4"),
        fb(1, "hotline"),
        fb(-3, "akku"),
        fb(-2, "hotline"),
        fb(-1, "hotline"),
        fb(-9, "akku"),
        fb(8, "akku"),
    ]
    akku, hotline = improvement_report(messages, start=start, end=end)
    assert (akku.topic, akku.count, akku.previous, akku.trend) == ("akku", 4, 1, 3.0)
    assert akku.examples == ("Akku 4", "Akku 3", "Akku 2")
    assert (hotline.count, hotline.previous, hotline.trend) == (1, 2, -0.5)
