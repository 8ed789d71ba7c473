"""SLA compliance and what customers complain about (POLICY.md R14), from plain rows (pure)."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.reporting.domain.business_time import Calendar, business_seconds, percentile
from services.reporting.domain.topics import main_aspect
from shared.aspects import is_complaint

CalendarLookup = Callable[[str, str], Calendar | None]
"""(platform, account id) → the account's business calendar, None for around the clock."""


@dataclass(frozen=True)
class SlaClock:
    """The exchange's first first-response clock, as triage's `SlaTimerEvent` started it."""

    started_at: datetime
    due_at: datetime
    business_hours: bool


SlaOutcome = Literal["met", "breached", "pending"]


@dataclass(frozen=True)
class ExchangeFacts:
    thread_id: str
    platform: str
    account_id: str
    category: str | None
    first_message_at: datetime
    """When the customer wrote, by the platform's clock: the start of every figure below."""
    first_response_at: datetime | None
    resolved_at: datetime | None
    open: bool
    clock: SlaClock | None = None
    """None: the exchange needed no answer of ours (praise, spam, a hidden insult)."""


def sla_outcome(e: ExchangeFacts, now: datetime) -> SlaOutcome | None:
    """Met when our first response came by the clock's deadline; breached when it came later
    or has not come and the deadline has passed; pending until then. None without a clock.

    The deadline is triage's, computed from the same start (the comment's time) in the same
    time (business hours or around the clock), so a breach always has a response time above
    the target — the report can't show a breach beside a response in time.
    """
    if e.clock is None:
        return None
    due = e.clock.due_at
    if e.first_response_at is not None:
        return "met" if e.first_response_at <= due else "breached"
    return "breached" if now > due else "pending"


def counted_calendar(e: ExchangeFacts, calendar: Calendar | None) -> Calendar | None:
    """Response times count the time the clock counted: business hours, unless the category's
    clock runs around the clock (R1 product complaints) or the account has no hours."""
    if e.clock is not None and not e.clock.business_hours:
        return None
    return calendar


def first_response_seconds(e: ExchangeFacts, calendar: Calendar | None) -> float | None:
    if e.first_response_at is None:
        return None
    return business_seconds(e.first_message_at, e.first_response_at, counted_calendar(e, calendar))


def resolution_seconds(e: ExchangeFacts, calendar: Calendar | None) -> float | None:
    if e.resolved_at is None:
        return None
    return business_seconds(e.first_message_at, e.resolved_at, counted_calendar(e, calendar))


@dataclass(frozen=True)
class SlaRow:
    account_id: str
    category: str
    exchanges: int
    met: int
    breached: int
    pending: int
    met_pct: float | None
    """Of the exchanges whose clock has settled (met + breached)."""
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
    exchanges: Sequence[ExchangeFacts], calendars: CalendarLookup, now: datetime
) -> list[SlaRow]:
    """Per (account, category): met/breached/pending, response percentiles, open backlog."""
    groups: dict[tuple[str, str], list[ExchangeFacts]] = defaultdict(list)
    for e in exchanges:
        groups[_key(e.account_id, e.category)].append(e)
    rows = []
    for key in sorted(groups):
        group = groups[key]
        outcomes = Counter(sla_outcome(e, now) for e in group)
        first, resolved = [], []
        for e in group:
            cal = calendars(e.platform, e.account_id)
            if (f := first_response_seconds(e, cal)) is not None:
                first.append(f)
            if (r := resolution_seconds(e, cal)) is not None:
                resolved.append(r)
        settled = outcomes["met"] + outcomes["breached"]
        rows.append(
            SlaRow(
                account_id=key[0],
                category=key[1],
                exchanges=len(group),
                met=outcomes["met"],
                breached=outcomes["breached"],
                pending=outcomes["pending"],
                met_pct=_pct(outcomes["met"], settled),
                breached_pct=_pct(outcomes["breached"], settled),
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


EXAMPLE_MIN_NEGATIVITY = 0.5
"""An example quoted to product managers must be a complaint the classifier is sure of."""


@dataclass(frozen=True)
class FeedbackMessage:
    """A negative customer message (R14) as the topic report reads it."""

    account_id: str
    thread_id: str
    at: datetime
    text: str
    category: str | None
    negativity: float
    topics: tuple[str, ...] = ()
    """As stored: the category, then the aspects triage named (main first)."""

    @property
    def complaint(self) -> bool:
        return is_complaint(self.category)


@dataclass(frozen=True)
class TopicRow:
    topic: str
    """An aspect id of `aspects.yaml` (delivery, refund…) or "other"."""
    count: int
    """Exchanges whose complaints name the topic in the period (a customer writing three times
    about one late parcel is one)."""
    messages: int
    previous: int
    """Exchanges in the period of equal length before."""
    trend: float | None
    """Relative change against the previous period; None when it had none."""
    breached: int
    """Of `count`: exchanges whose first response came after the SLA deadline (or never)."""
    breached_share: float | None
    """`breached` of the exchanges about the topic that had an SLA clock; None without any."""
    examples: tuple[str, ...]


def improvement_report(
    messages: Sequence[FeedbackMessage],
    outcomes: Mapping[str, SlaOutcome | None],
    *,
    start: datetime,
    end: datetime,
    limit: int = 20,
    examples: int = 3,
) -> list[TopicRow]:
    """What customers complained about in [start, end), by aspect, against the period before.

    Only complaints count (an insult is not product feedback); each is filed under its main
    aspect (the first triage named, `main_aspect`), so the topics add up to the complaints.
    `outcomes` maps a thread to its SLA outcome (threads not in it count as having no clock).
    """
    previous_start = start - (end - start)
    threads: dict[str, set[str]] = defaultdict(set)
    before: dict[str, set[str]] = defaultdict(set)
    counted: Counter[str] = Counter()
    candidates: dict[str, list[FeedbackMessage]] = defaultdict(list)
    for m in messages:
        if not m.complaint:
            continue
        topic = main_aspect(m.topics, m.text)
        if start <= m.at < end:
            threads[topic].add(m.thread_id)
            counted[topic] += 1
            candidates[topic].append(m)
        elif previous_start <= m.at < start:
            before[topic].add(m.thread_id)
    ranked = sorted(threads, key=lambda t: (-len(threads[t]), t))[:limit]
    rows = []
    for topic in ranked:
        mine = threads[topic]
        clocked = [t for t in mine if outcomes.get(t) is not None]
        late = sum(1 for t in clocked if outcomes[t] == "breached")
        prior = len(before[topic])
        rows.append(
            TopicRow(
                topic=topic,
                count=len(mine),
                messages=counted[topic],
                previous=prior,
                trend=round((len(mine) - prior) / prior, 2) if prior else None,
                breached=late,
                breached_share=round(late / len(clocked), 3) if clocked else None,
                examples=_examples(candidates[topic], examples),
            )
        )
    return rows


def _examples(messages: Sequence[FeedbackMessage], limit: int) -> tuple[str, ...]:
    """The clearest complaints first (highest negativity, then newest), one per exchange."""
    chosen: list[str] = []
    seen: set[str] = set()
    for m in sorted(messages, key=lambda m: (-m.negativity, -m.at.timestamp())):
        if m.negativity < EXAMPLE_MIN_NEGATIVITY or m.thread_id in seen or not m.text.strip():
            continue
        if m.text in chosen:
            continue
        chosen.append(m.text)
        seen.add(m.thread_id)
        if len(chosen) == limit:
            break
    return tuple(chosen)
