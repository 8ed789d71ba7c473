"""The webhook outbox (`reporting_notifications`): enqueued with the event, claimed, settled.

Enqueued in the transaction of the handler that read the event, so a notice is neither lost
(the event stays pending until the commit) nor doubled (the delivery id is the primary key).
Claiming moves a row's next attempt past a lease in one statement with SKIP LOCKED, so two
reporting replicas never post the same delivery at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.domain.notifications import Outgoing
from shared.db.models import ReportingNotificationRow, table_of
from shared.notifications import DeliveryStatus

_T = table_of(ReportingNotificationRow)


@dataclass(frozen=True)
class Claimed:
    """A delivery to attempt now; `attempts` counts the attempts before this one."""

    delivery_id: str
    kind: str
    platform: str
    account_id: str
    webhook: str
    payload: dict[str, Any]
    attempts: int


async def enqueue(session: AsyncSession, outgoing: Sequence[Outgoing], now: datetime) -> None:
    """Adds the deliveries; a redelivered event's are already there and are left alone."""
    if not outgoing:
        return
    rows = [
        {
            "delivery_id": o.delivery_id,
            "kind": o.notice.kind,
            "platform": o.notice.platform,
            "account_id": o.notice.account_id,
            "thread_id": o.notice.thread_id,
            "webhook": o.webhook,
            "payload": dict(o.payload),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for o in outgoing
    ]
    await session.execute(insert(_T).on_conflict_do_nothing(index_elements=["delivery_id"]), rows)


async def claim_due(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta
) -> list[Claimed]:
    """Up to `limit` pending deliveries whose time has come, leased until `now + lease`."""
    due = (
        select(_T.c.delivery_id)
        .where(_T.c.status == "pending", _T.c.next_attempt_at <= now)
        .order_by(_T.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(_T)
        .where(_T.c.delivery_id.in_(due))
        .values(next_attempt_at=now + lease)
        .returning(
            _T.c.delivery_id,
            _T.c.kind,
            _T.c.platform,
            _T.c.account_id,
            _T.c.webhook,
            _T.c.payload,
            _T.c.attempts,
        )
    )
    return [Claimed(**r._asdict()) for r in await session.execute(stmt)]


async def settle(
    session: AsyncSession,
    delivery_id: str,
    *,
    status: DeliveryStatus,
    attempts: int,
    at: datetime,
    next_attempt_at: datetime | None = None,
    error: str | None = None,
    response_status: int | None = None,
) -> None:
    """Records an attempt's outcome: delivered, pending again at `next_attempt_at`, or dead."""
    values: dict[str, Any] = {
        "status": status,
        "attempts": attempts,
        "last_attempt_at": at,
        "last_error": error,
        "last_status": response_status,
    }
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if status == "delivered":
        values["delivered_at"] = at
    await session.execute(update(_T).where(_T.c.delivery_id == delivery_id).values(**values))


async def listing(
    session: AsyncSession, status: DeliveryStatus | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first, for the API: what was sent where, and why a dead one died."""
    stmt = select(
        _T.c.delivery_id,
        _T.c.kind,
        _T.c.platform,
        _T.c.account_id,
        _T.c.thread_id,
        _T.c.webhook,
        _T.c.status,
        _T.c.attempts,
        _T.c.last_status,
        _T.c.last_error,
        _T.c.created_at,
        _T.c.last_attempt_at,
        _T.c.delivered_at,
    )
    if status is not None:
        stmt = stmt.where(_T.c.status == status)
    rows = await session.execute(stmt.order_by(_T.c.created_at.desc()).limit(limit))
    return [r._asdict() for r in rows]


async def send_again(session: AsyncSession, delivery_id: str, now: datetime) -> bool:
    """A dead delivery back to pending with fresh attempts; False when there is no dead one."""
    result = await session.execute(
        update(_T)
        .where(_T.c.delivery_id == delivery_id, _T.c.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=now, last_error=None)
        .returning(_T.c.delivery_id)
    )
    return result.scalar_one_or_none() is not None


async def counts(session: AsyncSession) -> dict[str, int]:
    """Deliveries per status, for the gauge."""
    rows = await session.execute(select(_T.c.status, func.count()).group_by(_T.c.status))
    return {str(status): int(n) for status, n in rows}
