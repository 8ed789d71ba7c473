"""The weekly report's charts, drawn on the server with matplotlib as inline SVG.

Nothing is fetched at run time (no CDN, no fonts from the web), the same SVG serves the inbox
page, the HTML document and the PDF, and every chart carries a text alternative (`<title>` and
`aria-label`) and the table of its figures, so a screen reader loses nothing.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")  # no display: the server draws into memory

from matplotlib.axes import Axes  # noqa: E402  (after the backend is chosen)
from matplotlib.figure import Figure  # noqa: E402

from services.reporting.domain.weekly import ACTION_GROUPS, WeeklyReport  # noqa: E402
from services.reporting.rendering.text import category_name, report_texts  # noqa: E402
from shared.aspects import aspect_label  # noqa: E402

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
"""Okabe–Ito: told apart by people with the common colour-vision deficiencies."""
_RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "steam-connect", "font.size": 9}
_SVG_OPEN = re.compile(r"<svg\b")


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    svg: str
    table: Table


def _svg(fig: Figure, chart_id: str, title: str, description: str) -> str:
    """Deterministic SVG (no date, fixed ids) with its text alternative on the root element."""
    out = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = out.getvalue()
    text = text[text.index("<svg") :]
    label = escape(f"{title}. {description}", quote=True)
    opening = (
        f'<svg role="img" aria-labelledby="{chart_id}-title" aria-label="{label}"'
        f' class="chart" id="{chart_id}"'
    )
    text = _SVG_OPEN.sub(opening, text, count=1)
    head_end = text.index(">") + 1
    return (
        text[:head_end] + f'<title id="{chart_id}-title">{escape(title)}</title>' + text[head_end:]
    )


def _figure(height: float = 2.6) -> Figure:
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(7.2, height), dpi=100)
        fig.patch.set_alpha(0)
        return fig


def _days(days: Sequence[date], lang: str) -> list[str]:
    names = (
        ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
        if lang == "de"
        else (
            "Mon",
            "Tue",
            "Wed",
            "Thu",
            "Fri",
            "Sat",
            "Sun",
        )
    )
    return [f"{names[d.weekday()]} {d.day:02d}.{d.month:02d}." for d in days]


def _hours(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 3600:.1f}"


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def compliance_chart(report: WeeklyReport, lang: str) -> Chart:
    t = report_texts(lang)
    days = report.period.days
    labels = _days(days, lang)
    fig = _figure()
    ax = fig.add_subplot()
    if not report.compliance:
        _empty(ax, t["no_data"])
    categories = report.categories
    cells: dict[tuple[date, str], str] = {}
    for i, category in enumerate(categories):
        by_day = {c.day: c for c in report.compliance if c.category == category}
        xs = [n for n, d in enumerate(days) if d in by_day and by_day[d].met_pct is not None]
        ys = [by_day[days[n]].met_pct or 0.0 for n in xs]
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(xs, ys, marker="o", color=colour, label=category_name(category, lang))
        for d, c in by_day.items():
            pct = "–" if c.met_pct is None else f"{c.met_pct:.0f} %"
            cells[(d, category)] = f"{pct} ({c.met}/{c.met + c.breached})"
    if report.compliance:
        ax.set_xticks(range(len(days)), labels)
        ax.set_ylim(-5, 105)
        ax.set_ylabel(f"{t['met_pct']} (%)")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="best", frameon=False)
    headers = (t["day"], *(category_name(c, lang) for c in categories))
    rows = [
        (label, *(cells.get((d, c), "–") for c in categories))
        for d, label in zip(days, labels, strict=True)
    ]
    return Chart(
        "chart-compliance",
        t["compliance_title"],
        t["compliance_desc"],
        _svg(fig, "chart-compliance", t["compliance_title"], t["compliance_desc"]),
        Table(headers, tuple(rows)),
    )


def response_chart(report: WeeklyReport, lang: str) -> Chart:
    t = report_texts(lang)
    rows = [r for r in report.sla if r.first_response_p50_s is not None]
    fig = _figure(max(1.6, 0.5 * len(rows) + 1.0))
    ax = fig.add_subplot()
    names = [category_name(r.category, lang) for r in rows]
    if rows:
        ys = range(len(rows))
        p50 = [(r.first_response_p50_s or 0) / 3600 for r in rows]
        p90 = [(r.first_response_p90_s or 0) / 3600 for r in rows]
        ax.barh([y + 0.2 for y in ys], p50, height=0.38, color=PALETTE[0], label=t["p50"])
        ax.barh([y - 0.2 for y in ys], p90, height=0.38, color=PALETTE[1], label=t["p90"])
        ax.set_yticks(list(ys), names)
        ax.set_xlabel(t["hours"])
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="best", frameon=False)
    else:
        _empty(ax, t["no_data"])
    table = Table(
        (t["category"], f"{t['p50']} ({t['hours']})", f"{t['p90']} ({t['hours']})"),
        tuple(
            (n, _hours(r.first_response_p50_s), _hours(r.first_response_p90_s))
            for n, r in zip(names, rows, strict=True)
        ),
    )
    return Chart(
        "chart-response",
        t["response_title"],
        t["response_desc"],
        _svg(fig, "chart-response", t["response_title"], t["response_desc"]),
        table,
    )


def backlog_chart(report: WeeklyReport, lang: str) -> Chart:
    t = report_texts(lang)
    labels = _days([b.day for b in report.backlog], lang)
    fig = _figure()
    ax = fig.add_subplot()
    xs = range(len(report.backlog))
    ax.plot(
        xs,
        [b.awaiting_response for b in report.backlog],
        marker="o",
        color=PALETTE[5],
        label=t["awaiting"],
    )
    ax.plot(xs, [b.open for b in report.backlog], marker="s", color=PALETTE[0], label=t["open"])
    ax.set_xticks(list(xs), labels)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(t["exchanges"])
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", frameon=False)
    table = Table(
        (t["day"], t["awaiting"], t["open"]),
        tuple(
            (d, str(b.awaiting_response), str(b.open))
            for d, b in zip(labels, report.backlog, strict=True)
        ),
    )
    return Chart(
        "chart-backlog",
        t["backlog_title"],
        t["backlog_desc"],
        _svg(fig, "chart-backlog", t["backlog_title"], t["backlog_desc"]),
        table,
    )


def _trend(trend: float | None, lang: str) -> str:
    if trend is None:
        return report_texts(lang)["new"]
    return f"{trend * 100:+.0f} %"


def _share(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f} %"


def topics_chart(report: WeeklyReport, lang: str) -> Chart:
    t = report_texts(lang)
    topics = list(reversed(report.topics))
    fig = _figure(max(1.6, 0.42 * len(topics) + 1.0))
    ax = fig.add_subplot()
    names = [aspect_label(r.topic, lang) for r in topics]
    if topics:
        ys = range(len(topics))
        ax.barh(
            [y + 0.2 for y in ys],
            [r.count for r in topics],
            height=0.38,
            color=PALETTE[0],
            label=t["this_period"],
        )
        ax.barh(
            [y - 0.2 for y in ys],
            [r.previous for r in topics],
            height=0.38,
            color="#999999",
            label=t["previous_period"],
        )
        ax.set_yticks(list(ys), names)
        ax.set_xlabel(t["exchanges"])
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="best", frameon=False)
    else:
        _empty(ax, t["no_data"])
    table = Table(
        (t["topic"], t["this_period"], t["previous_period"], t["trend"], t["breached_share"]),
        tuple(
            (
                aspect_label(r.topic, lang),
                str(r.count),
                str(r.previous),
                _trend(r.trend, lang),
                _share(r.breached_share),
            )
            for r in report.topics
        ),
    )
    return Chart(
        "chart-topics",
        t["topics_title"],
        t["topics_desc"],
        _svg(fig, "chart-topics", t["topics_title"], t["topics_desc"]),
        table,
    )


def alerts_chart(report: WeeklyReport, lang: str) -> Chart:
    t = report_texts(lang)
    period = report.period
    fig = _figure(2.0)
    ax = fig.add_subplot()
    span = (period.end - period.start).total_seconds()
    if report.alerts:
        xs = [
            (a.at - period.start).total_seconds() / span * len(period.days) for a in report.alerts
        ]
        ax.scatter(xs, [a.score for a in report.alerts], color=PALETTE[5], zorder=3)
        ax.set_ylim(0, 100)
        ax.set_ylabel(t["score"])
        ax.grid(axis="y", alpha=0.3)
    else:
        ax.text(len(period.days) / 2, 50, t["no_alerts"], ha="center", va="center")
        ax.set_ylim(0, 100)
        ax.set_yticks([])
    ax.set_xlim(0, len(period.days))
    ax.set_xticks([n + 0.5 for n in range(len(period.days))], _days(period.days, lang))
    rows = tuple((_local(a.at, period.zone), a.thread_id, f"{a.score:.0f}") for a in report.alerts)
    return Chart(
        "chart-alerts",
        t["alerts_title"],
        t["alerts_desc"],
        _svg(fig, "chart-alerts", t["alerts_title"], t["alerts_desc"]),
        Table((t["alert_at"], t["thread"], t["score"]), rows),
    )


def _local(at: datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def actions_chart(report: WeeklyReport, lang: str) -> Chart:
    t = report_texts(lang)
    labels = _days([d.day for d in report.actions], lang)
    fig = _figure()
    ax = fig.add_subplot()
    xs = list(range(len(report.actions)))
    bottom = [0] * len(xs)
    for i, group in enumerate(ACTION_GROUPS):
        values = [d.counts.get(group, 0) for d in report.actions]
        ax.bar(
            xs, values, bottom=bottom, color=PALETTE[i % len(PALETTE)], label=t[f"action_{group}"]
        )
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(xs, labels)
    ax.set_ylabel(t["actions_title"].split()[0])
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", frameon=False, ncol=len(ACTION_GROUPS), fontsize=8)
    headers = (t["day"], *(t[f"action_{g}"] for g in ACTION_GROUPS))
    rows = tuple(
        (label, *(str(d.counts.get(g, 0)) for g in ACTION_GROUPS))
        for label, d in zip(labels, report.actions, strict=True)
    )
    return Chart(
        "chart-actions",
        t["actions_title"],
        t["actions_desc"],
        _svg(fig, "chart-actions", t["actions_title"], t["actions_desc"]),
        Table(headers, rows),
    )


CHARTS: tuple[Callable[[WeeklyReport, str], Chart], ...] = (
    compliance_chart,
    response_chart,
    backlog_chart,
    topics_chart,
    alerts_chart,
    actions_chart,
)
"""In the order the page and the document show them."""


_DRAWING = threading.Lock()
"""matplotlib's style settings are process-wide: one report is drawn at a time (request
handlers render in a thread pool)."""


def charts(report: WeeklyReport, lang: str) -> list[Chart]:
    with _DRAWING:
        return [draw(report, lang) for draw in CHARTS]
