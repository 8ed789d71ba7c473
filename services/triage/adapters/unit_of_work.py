"""Triage's unit of work: the repositories of one transaction, committed once.

A use case opens one (`async with units() as uow`), reads and writes through `uow.store` and
`uow.timers`, calls `commit()` once, and publishes only after the block. Leaving the block
without a commit rolls everything back, so a batch that raises leaves no trace and is
redelivered. `SqlUnitOfWork` is PostgreSQL; the handler unit tests use an in-memory fake with
the same protocol (`tests/triage/fakes.py`), so the use cases' logic is tested without a
database as well as against the real one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.triage.adapters.repository import TriageRepository
from services.triage.adapters.timers import TimerRepository
from services.triage.domain.batch import AuthorKey
from services.triage.domain.context import AuthorRecord, Exchange
from services.triage.domain.timers import Timer
from shared.contracts import DecisionMade
from shared.db.models import SlaTimerRow


class TriageStore(Protocol):
    """Decisions, exchanges and author records (`TriageRepository`)."""

    async def stored_events(self, decision_ids: Collection[str]) -> dict[str, dict[str, Any]]: ...
    async def opening_events(self, thread_ids: Collection[str]) -> dict[str, dict[str, Any]]: ...
    async def latest_customer_events(
        self, customers: Mapping[str, str]
    ) -> dict[str, dict[str, Any]]: ...
    async def exchanges(self, thread_ids: Collection[str]) -> dict[str, Exchange]: ...
    async def authors(self, keys: Collection[AuthorKey]) -> dict[AuthorKey, AuthorRecord]: ...
    async def insert_decisions(
        self, events: Sequence[DecisionMade], decided_at: datetime
    ) -> set[str]: ...
    async def save_exchanges(self, exchanges: Iterable[Exchange]) -> None: ...
    async def add_strikes(
        self, records: Mapping[AuthorKey, AuthorRecord], deltas: Mapping[AuthorKey, int]
    ) -> None: ...


class TimerStore(Protocol):
    """The SLA and community timers (`TimerRepository`), as the stream use cases use them."""

    async def pending_by_thread(self, thread_ids: Collection[str]) -> dict[str, list[Timer]]: ...
    async def insert(self, timers: Sequence[Timer], now: datetime) -> list[SlaTimerRow]: ...
    async def cancel(self, reasons: Mapping[str, str], now: datetime) -> list[SlaTimerRow]: ...
    async def pending_for_decisions(self, decision_ids: Collection[str]) -> list[Timer]: ...
    async def threads_with_pending_sla(self, thread_ids: Collection[str]) -> set[str]: ...
    async def meet(self, details: Mapping[str, str], now: datetime) -> list[SlaTimerRow]: ...


class UnitOfWork(Protocol):
    store: TriageStore
    timers: TimerStore

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


UnitsOfWork = Callable[[], UnitOfWork]
"""How a use case gets a fresh unit of work per batch."""


class SqlUnitOfWork:
    """One `AsyncSession`: its repositories share the transaction; closing without a commit
    rolls back."""

    store: TriageStore
    timers: TimerStore

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self.store = TriageRepository(self._session)
        self.timers = TimerRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._session.close()  # a transaction still open is rolled back

    async def commit(self) -> None:
        await self._session.commit()


def sql_units(sessions: async_sessionmaker[AsyncSession]) -> UnitsOfWork:
    return lambda: SqlUnitOfWork(sessions)
