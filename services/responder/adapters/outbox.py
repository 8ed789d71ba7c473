"""The outbox repository: one row per action id, written before any platform call.

Never commits: the caller owns the transaction. A row moves pending → in_flight (committed
before the HTTP call, with a lease in `retry_at`) → done | skipped | failed, or back to pending
with a `retry_at` for the retry loop. An `in_flight` row whose lease ran out is an unknown
outcome: posts are looked up on the platform before they are tried again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.responder.domain.model import ActionRequest
from shared.db.models import ActionRow, table_of

_ACTIONS = table_of(ActionRow)

DRIVABLE = ("pending", "in_flight")


@dataclass(frozen=True)
class Outcome:
    """The recorded end (or new waiting state) of one action."""

    action_id: str
    status: str
    detail: str
    attempts: int
    platform_ref: str | None = None
    completed_at: datetime | None = None
    retry_at: datetime | None = None
    performed_as: str | None = None


async def insert_pending(
    session: AsyncSession, requests: Sequence[ActionRequest], now: datetime
) -> None:
    """One INSERT for the batch; an action id seen before keeps its row untouched."""
    if not requests:
        return
    values = [
        {
            "action_id": r.action_id,
            "decision_id": r.decision_id,
            "kind": r.kind,
            "platform": r.platform,
            "account_id": r.account_id,
            "comment_id": r.comment_id,
            "thread_id": r.thread_id,
            "author_id": r.author_id,
            "correlation_id": r.correlation_id,
            "status": "pending",
            "text": r.text,
            "detail": r.detail,
            "platform_ref": None,
            "attempts": 0,
            "not_before": r.not_before,
            "created_at": now,
            "completed_at": None,
            "evidence": dict(r.evidence) if r.evidence is not None else None,
        }
        for r in requests
    ]
    stmt = insert(_ACTIONS).on_conflict_do_nothing(index_elements=["action_id"])
    await session.execute(stmt, values)


async def claim_due(
    session: AsyncSession, action_ids: Sequence[str], now: datetime
) -> list[ActionRow]:
    """Rows that may be driven now, locked until commit; rows another worker holds are its own."""
    if not action_ids:
        return []
    stmt = (
        select(ActionRow)
        .where(
            ActionRow.action_id.in_(action_ids),
            ActionRow.status.in_(DRIVABLE),
            or_(ActionRow.retry_at.is_(None), ActionRow.retry_at <= now),
        )
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(stmt)).all())


async def due_ids(session: AsyncSession, now: datetime, limit: int) -> list[str]:
    """Retries, deferred actions and expired leases that are due, oldest first."""
    stmt = (
        select(ActionRow.action_id)
        .where(ActionRow.status.in_(DRIVABLE), ActionRow.retry_at <= now)
        .order_by(ActionRow.retry_at)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def mark_in_flight(
    session: AsyncSession, rows: Sequence[ActionRow], now: datetime, lease_s: float
) -> None:
    """Committed before the call: a crash after it leaves an unknown outcome, not a lost one."""
    if not rows:
        return
    lease = now + timedelta(seconds=lease_s)
    await session.execute(
        update(ActionRow),
        [
            {
                "action_id": r.action_id,
                "status": "in_flight",
                "attempts": r.attempts + 1,
                "retry_at": lease,
            }
            for r in rows
        ],
    )


@dataclass(frozen=True)
class Claim:
    """A row's drivable state as claimed, so it can be put back exactly."""

    action_id: str
    status: str
    attempts: int
    retry_at: datetime | None

    @classmethod
    def of(cls, row: ActionRow) -> Claim:
        return cls(row.action_id, row.status, row.attempts, row.retry_at)


async def release(session: AsyncSession, claims: Sequence[Claim]) -> None:
    """Back to the claimed state, for an adapter that raised before attempting anything."""
    if not claims:
        return
    await session.execute(
        update(ActionRow),
        [
            {
                "action_id": c.action_id,
                "status": c.status,
                "attempts": c.attempts,
                "retry_at": c.retry_at,
            }
            for c in claims
        ],
    )


async def rows(session: AsyncSession, action_ids: Sequence[str]) -> list[Row[Any]]:
    """The rows as committed, to publish what is stored (a redelivery republishes the same).

    Columns through Core, not ORM instances: this read runs once per batch on every path, and
    building instances cost more than the query."""
    if not action_ids:
        return []
    stmt = select(*_ACTIONS.columns).where(_ACTIONS.c.action_id.in_(action_ids))
    return list((await session.execute(stmt)).all())


async def record(session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
    """One executemany UPDATE by primary key for the whole batch."""
    if not outcomes:
        return
    await session.execute(
        update(ActionRow),
        [
            {
                "action_id": o.action_id,
                "status": o.status,
                "detail": o.detail,
                "attempts": o.attempts,
                "platform_ref": o.platform_ref,
                "completed_at": o.completed_at,
                "retry_at": o.retry_at,
                "performed_as": o.performed_as,
            }
            for o in outcomes
        ],
    )


async def lock_one(session: AsyncSession, action_id: str) -> ActionRow | None:
    """One row, locked until commit: approval and discard decide on its current status."""
    stmt = select(ActionRow).where(ActionRow.action_id == action_id).with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def drafts(session: AsyncSession, limit: int, account_id: str | None) -> list[ActionRow]:
    """Actions of approve-mode accounts waiting for an agent, oldest first."""
    stmt = select(ActionRow).where(ActionRow.status == "awaiting_approval")
    if account_id is not None:
        stmt = stmt.where(ActionRow.account_id == account_id)
    stmt = stmt.order_by(ActionRow.created_at, ActionRow.action_id).limit(limit)
    return list((await session.scalars(stmt)).all())


def to_request(row: ActionRow) -> ActionRequest:
    """Rebuild the request from its row: the row, not the event, is what gets performed."""
    return ActionRequest(
        action_id=row.action_id,
        decision_id=row.decision_id,
        correlation_id=row.correlation_id,
        kind=row.kind,  # type: ignore[arg-type]
        platform=row.platform,  # type: ignore[arg-type]
        account_id=row.account_id,
        comment_id=row.comment_id,
        thread_id=row.thread_id,
        author_id=row.author_id,
        text=row.text,
        not_before=row.not_before,
        detail=row.detail if row.kind == "preserve_evidence" else "",
        evidence={str(k): str(v) for k, v in row.evidence.items()} if row.evidence else None,
    )


async def lock_many(session: AsyncSession, action_ids: Sequence[str]) -> dict[str, ActionRow]:
    """The rows agent commands are about, locked until commit: one query per command batch.

    Locked in id order, so two batches sharing actions cannot deadlock."""
    if not action_ids:
        return {}
    stmt = (
        select(ActionRow)
        .where(ActionRow.action_id.in_(action_ids))
        .order_by(ActionRow.action_id)
        .with_for_update()
    )
    return {row.action_id: row for row in (await session.scalars(stmt)).all()}


async def mark_approved(session: AsyncSession, action_ids: Sequence[str], now: datetime) -> None:
    """Rows an agent asked for (undo a hide) need no second approval in approve mode."""
    if not action_ids:
        return
    await session.execute(
        update(ActionRow)
        .where(ActionRow.action_id.in_(action_ids), ActionRow.approved_at.is_(None))
        .values(approved_at=now)
    )
