"""Business-hours arithmetic, percentiles, the SLA report and the improvement report."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from services.reporting.domain.business_time import Calendar, business_seconds, percentile
from services.reporting.domain.reports import (
    ExchangeFacts,
    FeedbackMessage,
    SlaClock,
    SlaOutcome,
    first_response_seconds,
    improvement_report,
    sla_csv,
    sla_outcome,
    sla_report,
)
from services.reporting.domain.topics import main_aspect, topics_of

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
    category: str = "complaint.customer_service",
    due_h: float | None = 2,
    business_hours: bool = True,
) -> ExchangeFacts:
    def h(x: float | None) -> datetime | None:
        return None if x is None else MON + timedelta(hours=x)

    clock = None if due_h is None else SlaClock(MON, MON + timedelta(hours=due_h), business_hours)
    return ExchangeFacts(
        thread, "facebook", "acc", category, MON, h(first_response_h), h(resolved_h), open_, clock
    )


NOW = MON + timedelta(days=2)


def test_sla_outcome_and_response_time_come_from_the_same_start() -> None:
    assert sla_outcome(facts("a", 1), NOW) == "met"
    assert sla_outcome(facts("b", 2), NOW) == "met"  # at the deadline is in time
    assert sla_outcome(facts("c", 3), NOW) == "breached"
    assert sla_outcome(facts("d", None), NOW) == "breached"  # never answered, deadline past
    assert sla_outcome(facts("e", None, due_h=72), NOW) == "pending"
    assert sla_outcome(facts("f", 1, due_h=None), NOW) is None  # no clock: nothing to meet
    # An around-the-clock clock (R1) counts the night too: a reply 12 h later overnight is
    # 12 h, not the 1 business hour the account's calendar would count.
    night = facts("g", 12, due_h=1, business_hours=False)
    assert sla_outcome(night, NOW) == "breached"
    assert first_response_seconds(night, BERLIN) == 12 * 3600
    assert first_response_seconds(facts("h", 12), BERLIN) == 9 * 3600  # 09:00-18:00 Berlin


def test_sla_report_groups_by_account_and_category() -> None:
    rows = sla_report(
        [
            facts("t1", 1, resolved_h=2),
            facts("t2", 3),
            facts("t3", None, open_=True, due_h=72),
            facts("t4", 0.5, category="complaint.product", due_h=None),
        ],
        lambda platform, account: BERLIN,
        NOW,
    )
    service, product = sorted(rows, key=lambda r: r.category)
    assert (service.exchanges, service.met, service.breached, service.pending) == (3, 1, 1, 1)
    assert (service.met_pct, service.breached_pct) == (50.0, 50.0)
    assert (service.first_response_p50_s, service.first_response_p90_s) == (3600, 10800)
    assert (service.resolution_p50_s, service.open_backlog) == (7200, 1)
    assert (product.exchanges, product.met_pct, product.first_response_p50_s) == (1, None, 1800)
    csv = sla_csv(rows)
    assert csv.splitlines()[0].startswith("account_id,category,exchanges,met,breached,pending")
    assert "acc,complaint.customer_service,3,1,1,1,50.0,50.0,3600.0,10800.0,7200.0,7200.0,1" in csv


def test_topics_are_the_category_and_the_aspects_not_other() -> None:
    assert topics_of("complaint.product", "Akku kaputt nach dem Update") == [
        "category:complaint.product",
        "product_quality",
        "app_website",
    ]
    assert topics_of(None, "Schönen Tag noch") == []


def test_triages_aspects_come_first_and_rows_stored_before_them_are_read_from_the_text() -> None:
    # Triage's encoder chose refund over delivery: that order is kept, not re-read.
    assert topics_of("complaint.product", "Paket fehlt", ["refund", "delivery"]) == [
        "category:complaint.product",
        "refund",
        "delivery",
    ]
    assert main_aspect(("category:complaint.product", "refund", "delivery"), "Paket") == "refund"
    # A row stored when topics were keywords ("seit", "wochen"): the patterns read the text.
    stored = ("category:complaint.product", "seit", "wochen")
    assert main_aspect(stored, "Paket fehlt seit Wochen") == "delivery"
    assert main_aspect((), "Schönen Tag noch") == "other"


def test_improvement_report_ranks_aspects_by_exchange_with_trend_breaches_and_examples() -> None:
    start, end = MON, MON + timedelta(days=7)

    def fb(
        days: float,
        thread: str,
        text: str,
        *,
        category: str = "complaint.product",
        neg: float = 0.9,
    ) -> FeedbackMessage:
        return FeedbackMessage("acc", thread, MON + timedelta(days=days), text, category, neg)

    messages = [
        fb(1, "t1", "Mein Paket ist seit zwei Wochen nicht da"),
        fb(1.5, "t1", "Immer noch kein Paket!!"),  # the same exchange: counted once
        fb(2, "t2", "Where is my parcel? Delivery was due Monday"),
        fb(3, "t3", "Lieferung kam erst nach drei Wochen", neg=0.3),  # too unsure to quote
        fb(4, "t4", "Die Hotline ist nie erreichbar"),
        fb(4, "t5", "Your delivery guy is an idiot", category="abuse.insult"),  # no complaint
        fb(-3, "t6", "Paket verloren"),
        fb(-2, "t7", "Warteschleife 40 Minuten"),
        fb(-1, "t8", "Hotline ignoriert mich"),
        fb(-9, "t9", "Paket weg"),  # before the previous period
        fb(8, "t10", "Paket weg"),  # after the period
    ]
    outcomes: dict[str, SlaOutcome | None] = {"t1": "breached", "t2": "met", "t3": None}
    delivery, hotline = improvement_report(messages, outcomes, start=start, end=end)
    assert (delivery.topic, delivery.count, delivery.messages) == ("delivery", 3, 4)
    assert (delivery.previous, delivery.trend) == (1, 2.0)
    assert (delivery.breached, delivery.breached_share) == (1, 0.5)
    assert delivery.examples == (
        "Where is my parcel? Delivery was due Monday",
        "Immer noch kein Paket!!",
    )
    assert (hotline.topic, hotline.count, hotline.previous, hotline.trend) == (
        "hotline",
        1,
        2,
        -0.5,
    )
    assert hotline.breached_share is None
