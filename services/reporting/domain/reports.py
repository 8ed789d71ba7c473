"""SLA compliance and the improvement report (POLICY.md R14), from plain rows (pure)."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.reporting.domain.business_time import Calendar, business_seconds, percentile

CalendarLookup = Callable[[str, str], Calendar | None]
"""(platform, account id) → the account's business calendar, None for around the clock."""


@dataclass(frozen=True)
class ExchangeFacts:
    thread_id: str
    platform: str
    account_id: str
    category: str | None
    first_message_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    open: bool


@dataclass(frozen=True)
class TimerOutcome:
    account_id: str
    category: str | None
    outcome: str
    """met | breached | open | cancelled"""


@dataclass(frozen=True)
class SlaRow:
    account_id: str
    category: str
    exchanges: int
    met: int
    breached: int
    met_pct: float | None
    breached_pct: float | None
    first_response_p50_s: float | None
    first_response_p90_s: float | None
    resolution_p50_s: float | None
    resolution_p90_s: float | None
    open_backlog: int


def _key(account_id: str, category: str | None) -> tuple[str, str]:
    return account_id, category or "none"


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def sla_report(
    exchanges: Sequence[ExchangeFacts], timers: Sequence[TimerOutcome], calendars: CalendarLookup
) -> list[SlaRow]:
    """Per (account, category): timers met/breached, business-time percentiles, open backlog."""
    facts: dict[tuple[str, str], list[ExchangeFacts]] = defaultdict(list)
    for e in exchanges:
        facts[_key(e.account_id, e.category)].append(e)
    outcomes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for t in timers:
        outcomes[_key(t.account_id, t.category)][t.outcome] += 1
    rows = []
    for key in sorted(set(facts) | set(outcomes)):
        group, counts = facts.get(key, []), outcomes.get(key, Counter())
        first, resolved = [], []
        for e in group:
            cal = calendars(e.platform, e.account_id)
            if e.first_response_at is not None:
                first.append(business_seconds(e.first_message_at, e.first_response_at, cal))
            if e.resolved_at is not None:
                resolved.append(business_seconds(e.first_message_at, e.resolved_at, cal))
        settled = counts["met"] + counts["breached"]
        rows.append(
            SlaRow(
                account_id=key[0],
                category=key[1],
                exchanges=len(group),
                met=counts["met"],
                breached=counts["breached"],
                met_pct=_pct(counts["met"], settled),
                breached_pct=_pct(counts["breached"], settled),
                first_response_p50_s=percentile(first, 50),
                first_response_p90_s=percentile(first, 90),
                resolution_p50_s=percentile(resolved, 50),
                resolution_p90_s=percentile(resolved, 90),
                open_backlog=sum(1 for e in group if e.open),
            )
        )
    return rows


def sla_csv(rows: Sequence[SlaRow]) -> str:
    out = io.StringIO()
    fields = list(SlaRow.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({f: "" if getattr(row, f) is None else getattr(row, f) for f in fields})
    return out.getvalue()


@dataclass(frozen=True)
class FeedbackMessage:
    account_id: str
    thread_id: str
    at: datetime
    topics: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class TopicRow:
    topic: str
    count: int
    previous: int
    trend: float | None
    """Relative change against the previous period of equal length; None when it had none."""
    examples: tuple[str, ...]


def improvement_report(
    messages: Sequence[FeedbackMessage],
    *,
    start: datetime,
    end: datetime,
    limit: int = 20,
    examples: int = 3,
) -> list[TopicRow]:
    """Topics of negative comments in [start, end), ranked by count, against the period before."""
    previous_start = start - (end - start)
    now: Counter[str] = Counter()
    before: Counter[str] = Counter()
    samples: dict[str, list[str]] = defaultdict(list)
    for m in sorted(messages, key=lambda m: m.at, reverse=True):
        if start <= m.at < end:
            now.update(set(m.topics))
            for t in set(m.topics):
                if len(samples[t]) < examples and m.text not in samples[t]:
                    samples[t].append(m.text)
        elif previous_start <= m.at < start:
            before.update(set(m.topics))
    ranked = sorted(now.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [
        TopicRow(
            topic=topic,
            count=count,
            previous=before[topic],
            trend=round((count - before[topic]) / before[topic], 2) if before[topic] else None,
            examples=tuple(samples[topic]),
        )
        for topic, count in ranked
    ]
