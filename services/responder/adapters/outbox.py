"""The outbox repository: one row per action id, written before any platform call.

Never commits: the handler owns the transaction, so "row exists" and "outcome recorded" are each
one commit per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.responder.domain.model import ActionRequest
from shared.db.models import ActionRow

FINAL_STATUSES = ("done", "skipped", "failed")


@dataclass(frozen=True)
class Outcome:
    """The recorded end (or new waiting state) of one action."""

    action_id: str
    status: str
    detail: str
    attempts: int
    platform_ref: str | None = None
    completed_at: datetime | None = None


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
            "detail": "",
            "platform_ref": None,
            "attempts": 0,
            "not_before": r.not_before,
            "created_at": now,
            "completed_at": None,
        }
        for r in requests
    ]
    stmt = insert(ActionRow).values(values).on_conflict_do_nothing(index_elements=["action_id"])
    await session.execute(stmt)


async def lock_pending(session: AsyncSession, action_ids: Sequence[str]) -> list[ActionRow]:
    """Rows still pending, locked until commit; rows another worker holds are left to it."""
    if not action_ids:
        return []
    stmt = (
        select(ActionRow)
        .where(ActionRow.action_id.in_(action_ids), ActionRow.status == "pending")
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(stmt)).all())


async def final_rows(session: AsyncSession, action_ids: Sequence[str]) -> list[ActionRow]:
    """Rows already settled, so a redelivery can republish what may not have gone out."""
    if not action_ids:
        return []
    stmt = select(ActionRow).where(
        ActionRow.action_id.in_(action_ids), ActionRow.status.in_(FINAL_STATUSES)
    )
    return list((await session.scalars(stmt)).all())


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
            }
            for o in outcomes
        ],
    )


def to_request(row: ActionRow, detail: str = "") -> ActionRequest:
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
        detail=detail,
    )
