"""Monthly range partitions of the large history tables (migration 0010).

Retention then drops a month whose rows have all expired in one statement, instead of
updating them row by row. The coming months are created ahead (reporting at start and with
every purge); a row of a month with no partition lands in `<table>_default`, where the row-wise
purge still reaches it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

log = logging.getLogger(__name__)

PARTITIONED: dict[str, str] = {"comment_events": "occurred_at"}
"""Table → the time column it is partitioned by (RANGE, one partition per calendar month)."""

_BOUND = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


def is_partition(name: str) -> bool:
    """A partition, not a table of the models (alembic's comparison skips them)."""
    return any(re.fullmatch(rf"{t}_(default|y\d{{4}}m\d{{2}})", name) for t in PARTITIONED)


def month_start(moment: datetime, months_later: int = 0) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months_later
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(table: str, month: datetime) -> str:
    return f"{table}_y{month.year:04d}m{month.month:02d}"


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime
    end: datetime


async def ensure_months(
    conn: AsyncConnection | AsyncSession, now: datetime, ahead: int = 2
) -> None:
    """This month's and the next `ahead` months' partitions of every partitioned table."""
    for table in PARTITIONED:
        for k in range(ahead + 1):
            start, end = month_start(now, k), month_start(now, k + 1)
            name = partition_name(table, start)
            try:
                async with conn.begin_nested():
                    await conn.execute(
                        text(
                            f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{table}" '
                            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                        )
                    )
            except DBAPIError as exc:  # the default partition already holds rows of that month
                log.warning("partition %s not created: %s", name, exc.orig)


async def months(conn: AsyncConnection | AsyncSession, table: str) -> list[Partition]:
    """The monthly partitions of `table`, oldest first (the default one left out)."""
    rows = await conn.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = :table"
        ),
        {"table": table},
    )
    found = []
    for name, bound in rows:
        match = _BOUND.search(bound or "")
        if match:
            start, end = (datetime.fromisoformat(v) for v in match.groups())
            found.append(Partition(name, start, end))
    return sorted(found, key=lambda p: p.start)
