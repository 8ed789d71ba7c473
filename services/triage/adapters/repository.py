"""Triage's tables (decisions, exchanges, author_records): set-based reads and writes per batch.

Never commits: the handler owns the transaction, so a batch is all-or-nothing.

Writes pass their rows as executemany parameters to one statement: SQLAlchemy caches its
compiled form and sends batched multi-row INSERTs. Building `.values([...])` per batch instead
compiles a new statement with thousands of bind parameters every time (~3 ms per comment).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.triage.domain.batch import AuthorKey
from services.triage.domain.context import AuthorRecord, Exchange
from shared.contracts import DecisionMade
from shared.db.models import AuthorRecordRow, DecisionRow, ExchangeRow, decision_row, table_of

_EXCHANGE_FIELDS = (
    "thread_id",
    "platform",
    "account_id",
    "customer_id",
    "state",
    "category",
    "sla_due_at",
    "opened_at",
    "updated_at",
    "resolved_at",
    "escalated_at",
    "manual",
    "risk_alerted_at",
    "risk_score",
    "risk_reasons",
)
_EXCHANGES = table_of(ExchangeRow)
_AUTHORS = table_of(AuthorRecordRow)
"""Reads select columns through Core: building ORM instances cost more than the queries."""


class TriageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def stored_events(self, decision_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """The published event of every decision that already exists, by decision id."""
        if not decision_ids:
            return {}
        rows = await self._session.execute(
            select(DecisionRow.decision_id, DecisionRow.event).where(
                DecisionRow.decision_id.in_(list(decision_ids))
            )
        )
        return {row.decision_id: row.event for row in rows}

    async def opening_events(self, thread_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """Per thread, the stored event of its first decision: the comment that opened it."""
        if not thread_ids:
            return {}
        rows = await self._session.execute(
            select(DecisionRow.thread_id, DecisionRow.event)
            .where(DecisionRow.thread_id.in_(list(thread_ids)))
            .order_by(DecisionRow.thread_id, DecisionRow.decided_at)
            .ext(distinct_on(DecisionRow.thread_id))
        )
        return {row.thread_id: row.event for row in rows}

    async def latest_customer_events(
        self, customers: Mapping[str, str]
    ) -> dict[str, dict[str, Any]]:
        """Per thread (thread id -> customer id), the stored event of the customer's newest
        decided message: what an escalation decision answers. Alert decisions are skipped."""
        if not customers:
            return {}
        rows = await self._session.execute(
            select(DecisionRow.thread_id, DecisionRow.event).where(
                DecisionRow.thread_id.in_(list(customers))
            )
        )
        found: dict[str, dict[str, Any]] = {}
        for row in rows:
            event = row.event
            if event.get("trigger", "comment") != "comment" or event.get("change") == "removed":
                continue
            if event["comment"]["author"]["id"] != customers[row.thread_id]:
                continue
            best = found.get(row.thread_id)
            if best is None or _written_at(event) > _written_at(best):
                found[row.thread_id] = event
        return found

    async def exchanges(self, thread_ids: Collection[str]) -> dict[str, Exchange]:
        if not thread_ids:
            return {}
        rows = await self._session.execute(
            select(*[_EXCHANGES.c[name] for name in _EXCHANGE_FIELDS]).where(
                _EXCHANGES.c.thread_id.in_(list(thread_ids))
            )
        )
        return {row.thread_id: Exchange(**row._asdict()) for row in rows}

    async def authors(self, keys: Collection[AuthorKey]) -> dict[AuthorKey, AuthorRecord]:
        if not keys:
            return {}
        by_page: dict[tuple[str, str], list[str]] = defaultdict(list)
        for platform, account_id, author_id in keys:
            by_page[(platform, account_id)].append(author_id)
        found: dict[AuthorKey, AuthorRecord] = {}
        for (platform, account_id), authors in sorted(by_page.items()):
            # One page at a time: a row-value IN list only narrows the primary key by page,
            # then filters every author the page ever had.
            c = _AUTHORS.c
            rows = await self._session.execute(
                select(c.author_id, c.strikes, c.blocked, c.last_offence_at).where(
                    c.platform == platform, c.account_id == account_id, c.author_id.in_(authors)
                )
            )
            for row in rows:
                found[(platform, account_id, row.author_id)] = AuthorRecord(
                    strikes=row.strikes, blocked=row.blocked, last_offence_at=row.last_offence_at
                )
        return found

    async def insert_decisions(
        self, events: Sequence[DecisionMade], decided_at: datetime
    ) -> set[str]:
        """INSERT … ON CONFLICT DO NOTHING; returns the ids that were actually new."""
        if not events:
            return set()
        table = table_of(DecisionRow)
        stmt = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["decision_id"])
            .returning(table.c.decision_id)
        )
        rows = [decision_row(event, decided_at) for event in events]
        return set((await self._session.execute(stmt, rows)).scalars().all())

    async def save_exchanges(self, exchanges: Iterable[Exchange]) -> None:
        rows = [{name: getattr(ex, name) for name in _EXCHANGE_FIELDS} for ex in exchanges]
        if not rows:
            return
        stmt = insert(_EXCHANGES)
        updates = {name: stmt.excluded[name] for name in _EXCHANGE_FIELDS if name != "thread_id"}
        await self._session.execute(
            stmt.on_conflict_do_update(index_elements=["thread_id"], set_=updates), rows
        )

    async def add_strikes(
        self, records: Mapping[AuthorKey, AuthorRecord], deltas: Mapping[AuthorKey, int]
    ) -> None:
        """Adds this batch's strikes to what is stored, so concurrent batches cannot lose one."""
        rows = [
            {
                "platform": key[0],
                "account_id": key[1],
                "author_id": key[2],
                "strikes": deltas.get(key, 0),
                "blocked": record.blocked,
                "last_offence_at": record.last_offence_at,
            }
            for key, record in records.items()
        ]
        if not rows:
            return
        stmt = insert(table_of(AuthorRecordRow))
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=["platform", "account_id", "author_id"],
                set_={
                    "strikes": AuthorRecordRow.strikes + stmt.excluded.strikes,
                    "blocked": AuthorRecordRow.blocked | stmt.excluded.blocked,
                    "last_offence_at": func.greatest(
                        AuthorRecordRow.last_offence_at, stmt.excluded.last_offence_at
                    ),
                },
            ),
            rows,
        )


def _written_at(event: Mapping[str, Any]) -> datetime:
    """When the customer wrote the message (decisions of one batch share their decided_at)."""
    return datetime.fromisoformat(str(event["comment"]["created_at"]))
