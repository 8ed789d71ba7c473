"""The weekly report as a page fragment, a self-contained HTML document, or a PDF.

One template (`templates/report_body.html`) serves the inbox page and the document; the PDF is
that document laid out by WeasyPrint. Everything is inline (CSS, SVG charts): nothing is fetched,
so the file a lead forwards opens anywhere and the PDF renders without a network.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from services.reporting.domain.weekly import WeeklyReport
from services.reporting.rendering.text import category_name, report_texts
from shared.aspects import aspect_label

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "pdf")


class OfflineOnly(ValueError):
    """The report asked for a resource by URL: it must be self-contained."""


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, keep_trailing_newline=True
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


def _hours(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 3600:.1f}"


def context(report: WeeklyReport, lang: str) -> dict[str, Any]:
    """What `report_body.html` reads: the report, its charts and the words of `lang`."""
    # matplotlib (with numpy) adds ~40 MB to a process: loaded when a report is drawn, not by
    # every reporting process at start (the bench's peak RSS of reporting: 154 → 198 MB).
    from services.reporting.rendering.charts import charts

    zone = ZoneInfo(report.period.zone)
    days = report.period.days
    return {
        "report": report,
        "charts": charts(report, lang),
        "rt": report_texts(lang),
        "lang": lang,
        "first_day": days[0].isoformat(),
        "last_day": days[-1].isoformat(),
        "generated": report.generated_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "pct": _pct,
        "hours": _hours,
        "share": lambda s: "–" if s is None else f"{s * 100:.0f} %",
        "trend": lambda t: report_texts(lang)["new"] if t is None else f"{t * 100:+.0f} %",
        "aspect": lambda a: aspect_label(a, lang),
        "category": lambda c: category_name(c, lang),
    }


def stylesheet() -> str:
    return (TEMPLATES / "report.css").read_text("utf-8")


def render_html(report: WeeklyReport, lang: str) -> str:
    """A complete document: inline style, inline SVG, no links to fetch."""
    template = environment().get_template("weekly_report.html")
    return template.render(**context(report, lang), css=stylesheet())


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise OfflineOnly(f"the weekly report must not fetch {url!r}: everything is inline")


def render_pdf(report: WeeklyReport, lang: str) -> bytes:
    """The same document laid out on A4 by WeasyPrint."""
    import weasyprint  # a second or so to import: only the PDF needs it

    html = weasyprint.HTML(string=render_html(report, lang), url_fetcher=_refuse)
    pdf = html.write_pdf()
    if pdf is None:  # only when a target is given; none is
        raise RuntimeError("WeasyPrint wrote the weekly report nowhere")
    return bytes(pdf)


def filename(report: WeeklyReport, fmt: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in report.account_id)
    return f"steam-connect-{safe}-{report.period.label}.{fmt}"
