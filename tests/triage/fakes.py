"""In-memory fakes of triage's ports, for handler unit tests without a database or Redis.

Modelled on cosmicpython's `FakeUnitOfWork`: a `FakeDatabase` holds what is committed; each
`FakeUnitOfWork` works on a copy and writes it back only on `commit()`, so a batch that raises
leaves nothing behind, as a PostgreSQL transaction would. The publisher and the timekeeper note
how many commits had happened when they were called, so a test can tell "published after the
commit" from "published before".
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from pydantic import BaseModel

from services.triage.adapters.unit_of_work import TimerStore, TriageStore, UnitsOfWork
from services.triage.domain.batch import AuthorKey
from services.triage.domain.classification import LABELS, SENTIMENT, Classification
from services.triage.domain.context import AuthorRecord, Exchange
from services.triage.domain.timers import Timer, TimerState
from shared.contracts import DecisionMade, Envelope
from shared.db.models import SlaTimerRow

_TIMER_FIELDS = tuple(Timer.__dataclass_fields__)


@dataclass
class FakeDatabase:
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    exchanges: dict[str, Exchange] = field(default_factory=dict)
    authors: dict[AuthorKey, AuthorRecord] = field(default_factory=dict)
    timers: dict[str, Timer] = field(default_factory=dict)
    commits: int = 0

    def units(self) -> UnitsOfWork:
        return lambda: FakeUnitOfWork(self)


class FakeStore:
    """`TriageStore` over the unit of work's working copy."""

    def __init__(self, work: FakeDatabase) -> None:
        self._db = work

    async def stored_events(self, decision_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        return {d: self._db.decisions[d] for d in decision_ids if d in self._db.decisions}

    async def opening_events(self, thread_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for event in self._db.decisions.values():  # in insertion order: the first wins
            thread = event["comment"]["thread_id"]
            if thread in thread_ids:
                found.setdefault(thread, event)
        return found

    async def latest_customer_events(
        self, customers: Mapping[str, str]
    ) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for event in self._db.decisions.values():  # in insertion order: the newest last
            thread = event["comment"]["thread_id"]
            if event.get("trigger", "comment") != "comment" or thread not in customers:
                continue
            if event["comment"]["author"]["id"] == customers[thread]:
                found[thread] = event
        return found

    async def exchanges(self, thread_ids: Collection[str]) -> dict[str, Exchange]:
        return {t: self._db.exchanges[t] for t in thread_ids if t in self._db.exchanges}

    async def authors(self, keys: Collection[AuthorKey]) -> dict[AuthorKey, AuthorRecord]:
        return {k: self._db.authors[k] for k in keys if k in self._db.authors}

    async def insert_decisions(
        self, events: Sequence[DecisionMade], decided_at: datetime
    ) -> set[str]:
        new = {e.decision_id for e in events if e.decision_id not in self._db.decisions}
        for e in events:
            self._db.decisions.setdefault(e.decision_id, e.model_dump(mode="json"))
        return new

    async def save_exchanges(self, exchanges: Iterable[Exchange]) -> None:
        for ex in exchanges:
            self._db.exchanges[ex.thread_id] = ex

    async def add_strikes(
        self, records: Mapping[AuthorKey, AuthorRecord], deltas: Mapping[AuthorKey, int]
    ) -> None:
        for key, record in records.items():
            stored = self._db.authors.get(key, AuthorRecord())
            self._db.authors[key] = replace(record, strikes=stored.strikes + deltas.get(key, 0))


class FakeTimers:
    """`TimerStore` over the working copy; rows are transient `SlaTimerRow`s, as RETURNING gives."""

    def __init__(self, work: FakeDatabase) -> None:
        self._db = work

    async def pending_by_thread(self, thread_ids: Collection[str]) -> dict[str, list[Timer]]:
        out: dict[str, list[Timer]] = {}
        for t in self._db.timers.values():
            if t.thread_id in thread_ids and t.state == "pending":
                out.setdefault(t.thread_id, []).append(t)
        return out

    async def insert(self, timers: Sequence[Timer], now: datetime) -> list[SlaTimerRow]:
        new = [t for t in timers if t.timer_id not in self._db.timers]
        for t in new:
            self._db.timers[t.timer_id] = t
        return [_row(t, now) for t in new]

    async def pending_for_decisions(self, decision_ids: Collection[str]) -> list[Timer]:
        return [
            t
            for t in self._db.timers.values()
            if t.decision_id in decision_ids and t.state == "pending"
        ]

    async def threads_with_pending_sla(self, thread_ids: Collection[str]) -> set[str]:
        return {
            t.thread_id
            for t in self._db.timers.values()
            if t.thread_id in thread_ids and t.state == "pending" and t.kind == "sla"
        }

    async def _settle(
        self, details: Mapping[str, str], state: TimerState, now: datetime
    ) -> list[SlaTimerRow]:
        rows = []
        for timer_id, detail in details.items():
            t = self._db.timers.get(timer_id)
            if t is not None and t.state == "pending":
                self._db.timers[timer_id] = replace(t, state=state)
                rows.append(_row(self._db.timers[timer_id], now, detail=detail))
        return rows

    async def cancel(self, reasons: Mapping[str, str], now: datetime) -> list[SlaTimerRow]:
        return await self._settle(reasons, "cancelled", now)

    async def meet(self, details: Mapping[str, str], now: datetime) -> list[SlaTimerRow]:
        return await self._settle(details, "met", now)


def _row(t: Timer, now: datetime, detail: str = "") -> SlaTimerRow:
    fields = {name: getattr(t, name) for name in _TIMER_FIELDS}
    return SlaTimerRow(
        **fields, detail=detail, revision=1, published_revision=0, created_at=now, settled_at=None
    )


class FakeUnitOfWork:
    store: TriageStore
    timers: TimerStore

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    async def __aenter__(self) -> Self:
        self._work = copy.deepcopy(self._db)
        self.store = FakeStore(self._work)
        self.timers = FakeTimers(self._work)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Whatever was not committed is dropped with the working copy."""

    async def commit(self) -> None:
        commits = self._db.commits + 1
        self._db.__dict__.update(copy.deepcopy(self._work).__dict__)
        self._db.commits = commits


@dataclass
class FakePublisher:
    db: FakeDatabase
    published: list[tuple[str, BaseModel]] = field(default_factory=list)
    commits_seen: list[int] = field(default_factory=list)

    async def publish(self, items: Iterable[tuple[str, BaseModel]]) -> list[bytes]:
        batch = list(items)
        self.published += batch
        self.commits_seen.append(self.db.commits)
        return [b"0-0"] * len(batch)

    def on(self, stream: str) -> list[BaseModel]:
        return [event for s, event in self.published if s == stream]


@dataclass
class FakeTimekeeper:
    """Timer rows it was given, and the events that go out with them (into `publisher`)."""

    db: FakeDatabase
    publisher: FakePublisher
    announced: list[SlaTimerRow] = field(default_factory=list)
    commits_seen: list[int] = field(default_factory=list)

    async def announce(
        self, rows: Sequence[SlaTimerRow], extra: Iterable[tuple[str, Envelope]] = ()
    ) -> None:
        self.announced += rows
        self.commits_seen.append(self.db.commits)
        self.publisher.published += list(extra)


class FakeClassifier:
    """Scores by exact text, 0 for every other label: the test says what the model would."""

    def __init__(self, scores: Mapping[str, Mapping[str, float]], lang: str = "de") -> None:
        self._scores = scores
        self._lang = lang

    def classify_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Classification]:
        out = []
        for text, _fallback in items:
            given = dict(self._scores.get(text, {}))
            negative = any(v >= 0.5 for k, v in given.items() if k != "positive")
            scores = {label: given.get(label, 0.0) for label in LABELS}
            scores[SENTIMENT] = given.get(SENTIMENT, -0.6 if negative else 0.2)
            out.append(Classification(self._lang, scores))
        return out
