"""Export and erase one author's rows in the tables a service's plan names (`shared.privacy`).

Generic over the plans, so each service touches only its own tables and no table is forgotten
by hand-written SQL. Never commits: the caller's transaction makes an erasure all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Table,
    and_,
    case,
    delete,
    func,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db.models import Base
from shared.db.partitions import PARTITIONED, months
from shared.privacy import PURGED, TablePlan, scrub


@dataclass(frozen=True)
class Subject:
    """Whose data, and where it is: what `locate` found."""

    platform: str
    author_id: str
    comment_ids: tuple[str, ...] = ()
    thread_ids: tuple[str, ...] = ()
    held: frozenset[str] = frozenset()
    """Comments whose evidence is under legal hold: their rows are not erased."""


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _where(table: Table, plan: TablePlan, who: Subject, *, erasing: bool) -> ColumnElement[bool]:
    columns = table.c
    same_platform = columns.platform == who.platform if "platform" in columns else true()
    if plan.match == "author":
        return and_(same_platform, columns.author_id == who.author_id)
    if plan.match == "thread":
        return columns.thread_id.in_(who.thread_ids)
    ids = [c for c in who.comment_ids if not (erasing and c in who.held)]
    return and_(same_platform, columns.comment_id.in_(ids))


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export(session: AsyncSession, plans: Sequence[TablePlan], who: Subject) -> dict[str, Any]:
    """Every row of these tables about the author, per table, as JSON-ready dicts."""
    found: dict[str, Any] = {}
    for plan in plans:
        table = _table(plan.table)
        rows = await session.execute(select(table).where(_where(table, plan, who, erasing=False)))
        found[plan.table] = [{k: _plain(v) for k, v in row._mapping.items()} for row in rows]
    return found


async def erase(
    session: AsyncSession, plans: Sequence[TablePlan], who: Subject, token: str
) -> dict[str, int]:
    """Empties texts and names, replaces the author's id, deletes per-author records; returns
    the rows changed per table. Running it again changes nothing more."""
    changed: dict[str, int] = {}
    for plan in plans:
        table = _table(plan.table)
        where = _where(table, plan, who, erasing=True)
        if plan.delete:
            result = await session.execute(delete(table).where(where))
            changed[plan.table] = int(getattr(result, "rowcount", 0) or 0)
            continue
        count = 0
        if plan.json:
            count = await _scrub_json(session, table, plan.json, where, who.author_id, token)
        values: dict[str, Any] = dict(plan.clear)
        for column in plan.author:
            col = table.c[column]
            values[column] = case((col == who.author_id, token), else_=col)
        if values:
            result = await session.execute(update(table).where(where).values(**values))
            count = max(count, int(getattr(result, "rowcount", 0) or 0))
        changed[plan.table] = count
    return changed


async def _scrub_json(
    session: AsyncSession,
    table: Table,
    columns: Iterable[str],
    where: ColumnElement[bool],
    author_id: str,
    token: str,
    dry_run: bool = False,
) -> int:
    keys = list(table.primary_key.columns)
    names = list(columns)
    rows = await session.execute(select(*keys, *(table.c[n] for n in names)).where(where))
    count = 0
    for row in rows:
        values = {n: scrub(row._mapping[n], author_id, token) for n in names}
        if all(values[n] == row._mapping[n] for n in names):
            continue
        count += 1
        if dry_run:
            continue
        match = and_(*(key == row._mapping[key.name] for key in keys))
        await session.execute(update(table).where(match).values(**values))
    return count


@dataclass(frozen=True)
class Retention:
    """How long one account keeps personal data, as cut-off times."""

    platform: str
    account_id: str
    cutoff: datetime
    """Rows older than this lose their texts, names and author ids."""


@dataclass(frozen=True)
class Horizon:
    """Retention as of one moment: per account, a default for accounts not configured, and the
    evidence cut-off (threat evidence younger than it is held)."""

    accounts: tuple[Retention, ...]
    default_cutoff: datetime
    evidence_cutoff: datetime
    evidence_sql: str | None = None
    """The service's condition for rows of held evidence (`shared.privacy.EVIDENCE`)."""
    anchor: tuple[str, str] | None = None
    """The table and time column dating a comment (`shared.privacy.ANCHORS`)."""


def _past(table: Table, at_column: str, horizon: Horizon) -> ColumnElement[bool]:
    """Rows of `table` older than their account's cut-off."""
    at, columns = table.c[at_column], table.c
    if "account_id" not in columns:  # thread-level rows: the longest retention of any account
        return at < min([r.cutoff for r in horizon.accounts] + [horizon.default_cutoff])

    def same(r: Retention) -> ColumnElement[bool]:
        here = columns.account_id == r.account_id
        return and_(here, columns.platform == r.platform) if "platform" in columns else here

    configured = [and_(same(r), at < r.cutoff) for r in horizon.accounts]
    if not horizon.accounts:
        return at < horizon.default_cutoff
    others = and_(not_(or_(*(same(r) for r in horizon.accounts))), at < horizon.default_cutoff)
    return or_(*configured, others)


def _expired(table: Table, plan: TablePlan, horizon: Horizon) -> ColumnElement[bool]:
    if plan.match == "thread":  # rows of an exchange; the team's own (no thread) are not aged
        return and_(table.c.thread_id.is_not(None), _past(table, plan.at, horizon))
    if plan.match != "comment" or horizon.anchor is None:
        return _past(table, plan.at, horizon)
    anchor_table, anchor_at = horizon.anchor
    anchor = _table(anchor_table)
    dated = select(anchor.c.comment_id).where(_past(anchor, anchor_at, horizon))
    expired: ColumnElement[bool] = table.c.comment_id.in_(dated)
    if horizon.evidence_sql:
        not_held = text(f"NOT ({horizon.evidence_sql})")
        expired = and_(expired, not_held.bindparams(evidence_cutoff=horizon.evidence_cutoff))
    return expired


def _not_yet(table: Table, plan: TablePlan) -> ColumnElement[bool]:
    """Rows the purge has not anonymised yet (so counts and reruns see only new work)."""
    pending = [
        table.c[c].is_distinct_from(v) for c, v in plan.clear.items() if not isinstance(v, list)
    ]
    pending += [table.c[c] != PURGED for c in plan.author]
    if plan.pending:
        pending.append(literal_column(f"({plan.pending})", Boolean))
    return or_(*pending) if pending else true()


async def purge(
    session: AsyncSession, plans: Sequence[TablePlan], horizon: Horizon, *, dry_run: bool
) -> dict[str, int]:
    """Anonymises (or deletes, per plan) every row past its account's retention; returns the
    rows per table it changed — or would change, with `dry_run`."""
    changed: dict[str, int] = {}
    for plan in plans:
        if not plan.at:
            continue
        table = _table(plan.table)
        if plan.table in PARTITIONED:
            dropped = await _drop_expired_months(session, table, plan, horizon, dry_run=dry_run)
            changed[f"{plan.table} (months dropped)"] = dropped
        where = and_(_expired(table, plan, horizon), _not_yet(table, plan))
        if dry_run and not plan.json:
            count = await session.scalar(select(func.count()).select_from(table).where(where))
            changed[plan.table] = int(count or 0)
            continue
        if plan.delete:
            result = await session.execute(delete(table).where(where))
            changed[plan.table] = int(getattr(result, "rowcount", 0) or 0)
            continue
        count = 0
        if plan.json:
            count = await _scrub_json(session, table, plan.json, where, "\x00", PURGED, dry_run)
        values: dict[str, Any] = dict(plan.clear)
        values.update(dict.fromkeys(plan.author, PURGED))
        if values and not dry_run:
            result = await session.execute(update(table).where(where).values(**values))
            count = max(count, int(getattr(result, "rowcount", 0) or 0))
        changed[plan.table] = count
    return changed


async def _drop_expired_months(
    session: AsyncSession, table: Table, plan: TablePlan, horizon: Horizon, *, dry_run: bool
) -> int:
    """Drops each monthly partition all of whose rows are past retention (none held); returns
    the rows that went (or would). A month with one row still kept is left to the row-wise
    purge."""
    column = table.c[PARTITIONED[plan.table]]
    gone = 0
    for month in await months(session, plan.table):
        in_month = and_(column >= month.start, column < month.end)
        total = await session.scalar(select(func.count()).select_from(table).where(in_month))
        if not total:
            continue
        kept = await session.scalar(
            select(func.count())
            .select_from(table)
            .where(and_(in_month, not_(_expired(table, plan, horizon))))
        )
        if kept:
            continue
        if not dry_run:
            await session.execute(text(f'DROP TABLE "{month.name}"'))
        gone += int(total)
    return gone
