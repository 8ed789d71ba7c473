"""Reporting's copy of exchange states: the newest `updated_at` wins, whatever the order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.use_cases.exchanges import ExchangeStatesHandler
from shared.contracts.exchanges import ExchangeChanged, ExchangeState
from shared.db.models import ReportingExchangeStateRow
from shared.db.session import make_sessionmaker
from shared.streams.consumer import Delivery

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def changed(
    thread: str, state: ExchangeState, minutes: int, manual: bool = False
) -> ExchangeChanged:
    at = T0 + timedelta(minutes=minutes)
    return ExchangeChanged(
        occurred_at=at,
        correlation_id=thread,
        account_id="acc-1",
        thread_id=thread,
        platform="facebook",
        state=state,
        category="complaint.product",
        manual=manual,
        resolved_at=at if state == "resolved" else None,
        updated_at=at,
    )


async def test_the_newest_state_wins_against_late_and_repeated_events(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessionmaker(engine)
    handler = ExchangeStatesHandler(sessions)
    thread = f"facebook:states-{T0.timestamp():.0f}-{id(handler)}"
    await handler([Delivery("1-0", changed(thread, "open", 1))])
    await handler(
        [
            Delivery("2-0", changed(thread, "resolved", 5)),
            Delivery("3-0", changed(thread, "awaiting_customer", 3, manual=True)),
        ]
    )
    await handler([Delivery("4-0", changed(thread, "open", 2))])  # late: older than stored
    await handler([Delivery("2-0", changed(thread, "resolved", 5))])  # redelivered
    async with sessions() as s:
        row = (
            await s.scalars(
                select(ReportingExchangeStateRow).where(
                    ReportingExchangeStateRow.thread_id == thread
                )
            )
        ).one()
    assert (row.state, row.manual, row.resolved_at) == (
        "resolved",
        False,
        T0 + timedelta(minutes=5),
    )
