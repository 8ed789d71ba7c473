"""The weekly report's figures (pure), its charts and its documents (HTML, PDF)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta

import pypdfium2
import pytest

from services.reporting.domain.reports import ExchangeFacts, FeedbackMessage, SlaClock
from services.reporting.domain.signals import message_time
from services.reporting.domain.weekly import (
    ActionFact,
    AlertFact,
    WeeklyReport,
    iso_week,
    week_of,
    week_to_send,
    weekly_report,
)
from services.reporting.rendering.charts import CHARTS
from services.reporting.rendering.document import render_html, render_pdf
from tests.reporting.integration.factories import Exchange, at

BERLIN = "Europe/Berlin"
W48 = iso_week("2026-W48", BERLIN)
MON = W48.start  # Monday 23 November 00:00 in Berlin


def test_iso_weeks_are_local_whole_days() -> None:
    assert (W48.start, W48.end) == (
        datetime(2026, 11, 22, 23, tzinfo=UTC),
        datetime(2026, 11, 29, 23, tzinfo=UTC),
    )
    assert W48.days == [date(2026, 11, 23) + timedelta(days=n) for n in range(7)]
    dst = iso_week("2026-W13", BERLIN)  # clocks go forward on Sunday 29 March
    assert (dst.end - dst.start) == timedelta(hours=167) and len(dst.days) == 7
    assert week_of(datetime(2026, 11, 29, 22, 30, tzinfo=UTC), BERLIN) == "2026-W48"
    assert week_of(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), BERLIN) == "2026-W49"
    for bad in ("2026-48", "2026-W54", "week 48"):
        with pytest.raises(ValueError, match="week"):
            iso_week(bad, BERLIN)


def exchange(n: int, opened_h: float, replied_h: float | None, due_h: float = 1) -> ExchangeFacts:
    at = MON + timedelta(hours=opened_h)
    return ExchangeFacts(
        f"t{n}",
        "facebook",
        "acc",
        "complaint.product",
        at,
        None if replied_h is None else at + timedelta(hours=replied_h),
        None,
        True,
        SlaClock(at, at + timedelta(hours=due_h), business_hours=False),
    )


def report() -> WeeklyReport:
    exchanges = [
        exchange(1, 10, 0.5),  # Monday, in time
        exchange(2, 11, 3),  # Monday, late
        exchange(3, 34, None),  # Tuesday, never answered
        exchange(4, 35, 0.25, due_h=400),  # Tuesday, no deadline pressure
    ]
    messages = [
        FeedbackMessage(
            "acc", "t1", MON + timedelta(hours=10), "Paket nicht da", "complaint.product", 0.9
        ),
        FeedbackMessage(
            "acc", "t2", MON + timedelta(hours=11), "Where is my parcel", "complaint.product", 0.8
        ),
        FeedbackMessage(
            "acc", "t3", MON + timedelta(hours=34), "App stürzt ab", "complaint.product", 0.7
        ),
        FeedbackMessage(
            "acc", "t0", MON - timedelta(days=2), "Paket weg", "complaint.product", 0.9
        ),
    ]
    actions = [
        ActionFact("reply", MON + timedelta(hours=10.5)),
        ActionFact("private_reply", MON + timedelta(hours=14)),
        ActionFact("hide", MON + timedelta(hours=40)),
        ActionFact("flag_for_human", MON + timedelta(hours=40)),  # bookkeeping, not shown
        ActionFact("block_author", MON + timedelta(days=8)),  # next week
    ]
    return weekly_report(
        account_id="acc",
        account_name="Demo page",
        period=W48,
        exchanges=exchanges,
        messages=messages,
        actions=actions,
        alerts=[AlertFact("t3", MON + timedelta(hours=36), 71.0)],
        calendars=lambda platform, account: None,
        now=W48.end + timedelta(hours=1),
    )


def test_figures_per_day() -> None:
    r = report()
    t = r.totals
    assert (t.exchanges, t.complaints, t.met, t.breached, t.pending) == (4, 4, 2, 2, 0)
    assert (t.met_pct, t.first_response_p50_s, t.first_response_p90_s) == (50.0, 1800, 10800)
    monday, tuesday = r.compliance
    assert (monday.day, monday.met, monday.breached) == (date(2026, 11, 23), 1, 1)
    assert (tuesday.met, tuesday.breached, tuesday.met_pct) == (1, 1, 50.0)
    # At the end of Monday nobody waits; from Tuesday t3 waits for ever; nothing is resolved.
    assert [b.awaiting_response for b in r.backlog] == [0, 1, 1, 1, 1, 1, 1]
    assert [b.open for b in r.backlog] == [2, 4, 4, 4, 4, 4, 4]
    assert r.actions[0].counts == {
        "replies": 2,
        "hides": 0,
        "deletions": 0,
        "blocks": 0,
        "reports": 0,
    }
    assert r.actions[1].counts["hides"] == 1
    assert sum(sum(d.counts.values()) for d in r.actions) == 3
    delivery = r.topics[0]
    assert (delivery.topic, delivery.count, delivery.previous, delivery.breached) == (
        "delivery",
        2,
        1,
        1,
    )
    assert [a.thread_id for a in r.alerts] == ["t3"]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_document_is_self_contained_and_every_chart_has_a_text_alternative(lang: str) -> None:
    html = render_html(report(), lang)
    svgs = re.findall(
        r"<svg role=\"img\" aria-labelledby=\"([\w-]+)-title\" aria-label=\"[^\"]+\"", html
    )
    assert len(svgs) == len(CHARTS)
    for chart_id in svgs:
        assert f'<title id="{chart_id}-title">' in html
        assert f'data-chart="{chart_id}"' in html  # the table of its figures
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "nothing to fetch"
    assert "<script" not in html and "url(http" not in html
    words = {
        "en": ("Weekly report", "Delivery &amp; shipping"),
        "de": ("Wochenbericht", "Lieferung &amp; Versand"),
    }
    for word in words[lang]:
        assert word in html
    assert "Paket nicht da" in html  # an example under its topic


def test_the_pdf_renders_to_a_page_with_the_figures() -> None:
    pdf = pypdfium2.PdfDocument(render_pdf(report(), "de"))
    first = pdf[0]
    text = first.get_textpage().get_text_range()
    assert "Wochenbericht · Demo page · 2026-W48" in text
    assert "SLA eingehalten" in text and "50.0 %" in text
    image = first.render(scale=1).to_pil().convert("L")
    dark = sum(1 for v in image.tobytes() if v < 128)
    assert dark > 2_000, "the first page shows text and a chart, not a blank sheet"
    whole = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Lieferung & Versand" in whole and "Paket nicht da" in whole


def test_a_scheduled_report_covers_last_week_once_the_send_time_has_passed() -> None:
    monday_7 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    assert week_to_send(monday_7, BERLIN, 0, time(8)) == "2026-W47"
    assert week_to_send(monday_7 + timedelta(hours=1), BERLIN, 0, time(8)) == "2026-W48"
    assert week_to_send(monday_7 + timedelta(days=6), BERLIN, 0, time(8)) == "2026-W48"
    assert week_to_send(monday_7 + timedelta(days=1), BERLIN, 2, time(8)) == "2026-W47"


def test_a_message_starts_when_the_customer_wrote_never_after_the_decision() -> None:
    made = Exchange.new().decision(minutes=3 * 24 * 60)  # decided three days after it was written
    assert message_time(made) == at(0)
    early = made.model_copy(update={"occurred_at": at(-60)})  # a platform clock running ahead
    assert message_time(early) == at(-60)


def test_a_reporting_process_loads_the_chart_library_only_to_draw() -> None:
    """matplotlib and numpy cost a reporting process ~40 MB; most processes never draw."""
    probe = (
        "import sys\n"
        "from services.reporting.bootstrap import create_app\n"
        "from shared.settings import Settings\n"
        "create_app(Settings())\n"
        "print(sorted(m for m in ('matplotlib', 'numpy', 'weasyprint') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
