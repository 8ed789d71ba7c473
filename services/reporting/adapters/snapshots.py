"""Read models kept from whole-state events: one row per key, the newest snapshot wins.

Both reporting's copy of exchange states (`ExchangeChanged`, ordered by `updated_at`) and of
actions (`ActionChanged`, ordered by `revision`) work this way, so redeliveries, republished
snapshots and events that overtake each other on the way all end in the writer's latest state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

E = TypeVar("E")


def newest(events: Sequence[E], key: Callable[[E], str], order: Callable[[E], Any]) -> list[E]:
    """One snapshot per key (the newest; a tie keeps the later one), in key order so
    concurrent batches lock rows alike and cannot deadlock."""
    found: dict[str, E] = {}
    for e in events:
        seen = found.get(key(e))
        if seen is None or order(e) >= order(seen):
            found[key(e)] = e
    return [found[k] for k in sorted(found)]


async def upsert_newest(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], key: str, order: str
) -> None:
    """Insert, or overwrite a stored row only with a snapshot at least as new."""
    if not rows:
        return
    stmt = insert(table)
    upsert = stmt.on_conflict_do_update(
        index_elements=[key],
        set_={name: stmt.excluded[name] for name in rows[0] if name != key},
        where=stmt.excluded[order] >= table.c[order],
    )
    await session.execute(upsert, rows)
