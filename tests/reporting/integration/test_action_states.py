"""Reporting's read model of the responder's outbox: the highest revision of each action wins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.use_cases.action_states import ActionStatesHandler
from shared.contracts import ActionChanged, ActionState
from shared.db.models import ReportingActionRow
from shared.db.session import make_sessionmaker
from shared.streams.consumer import Delivery

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def changed(action_id: str, status: ActionState, revision: int, text: str) -> ActionChanged:
    at = T0 + timedelta(minutes=revision)
    return ActionChanged(
        occurred_at=at,
        correlation_id="facebook:c1",
        account_id="acc-1",
        action_id=action_id,
        decision_id="d1",
        kind="reply",
        platform="facebook",
        comment_id="c1",
        thread_id="facebook:c1",
        author_id="u1",
        status=status,
        text=text,
        platform_ref="fb-1" if status == "done" else None,
        created_at=T0,
        completed_at=at if status == "done" else None,
        revision=revision,
    )


async def test_the_highest_revision_wins_against_late_and_repeated_snapshots(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessionmaker(engine)
    handler = ActionStatesHandler(sessions)
    draft, other = f"{uuid.uuid4().hex}:reply", f"{uuid.uuid4().hex}:reply"
    await handler([Delivery("1-0", changed(draft, "awaiting_approval", 0, "Draft"))])
    await handler(
        [
            Delivery("2-0", changed(draft, "done", 3, "Edited")),
            Delivery("3-0", changed(draft, "pending", 1, "Edited")),  # same batch, older
            Delivery("4-0", changed(other, "pending", 0, "Other")),
        ]
    )
    await handler([Delivery("5-0", changed(draft, "in_flight", 2, "Edited"))])  # late
    await handler([Delivery("2-0", changed(draft, "done", 3, "Edited"))])  # redelivered
    async with sessions() as s:
        row = await s.get(ReportingActionRow, draft)
        second = await s.get(ReportingActionRow, other)
    assert row is not None and second is not None
    assert (row.status, row.revision, row.text, row.platform_ref) == ("done", 3, "Edited", "fb-1")
    assert row.completed_at == T0 + timedelta(minutes=3)
    assert (second.status, second.author_id) == ("pending", "u1")
