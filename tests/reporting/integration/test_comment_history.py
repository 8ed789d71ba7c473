"""Exchange history against the real PostgreSQL and Redis: consumers, redelivery, ordering guard."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.bootstrap import create_app
from services.reporting.use_cases.comments import CommentHistoryHandler
from shared.contracts import ActionCompleted
from shared.db.models import CommentEventRow, CommentRow
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.names import Group, StreamNames
from shared.streams.publisher import EventPublisher
from tests.reporting.integration.factories import Exchange, at, deliveries

pytestmark = pytest.mark.integration


async def _until(predicate: Callable[[], Awaitable[bool]]) -> None:
    """Polls until true; a generous bound only turns a hang into a failure."""
    async with asyncio.timeout(20):
        while not await predicate():  # noqa: ASYNC110 - polling the database, no event to wait on
            await asyncio.sleep(0.05)


async def _comment_row(engine: AsyncEngine, ex: Exchange) -> CommentRow | None:
    async with make_sessionmaker(engine)() as s:
        return await s.scalar(select(CommentRow).where(CommentRow.comment_id == ex.comment_id))


async def _event_count(engine: AsyncEngine, ex: Exchange) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).where(CommentEventRow.thread_id == ex.thread_id)
        )
    return int(count or 0)


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_consumers_record_history_and_count_decisions_and_actions(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    ex = Exchange.new()
    names = StreamNames(settings.stream_prefix)
    publisher = EventPublisher(redis, settings.stream_maxlen)
    decision = ex.decision()
    completed = ActionCompleted(
        occurred_at=at(2),
        correlation_id=ex.thread_id,
        account_id="acc-1",
        action_id=decision.actions[0].action_id,
        decision_id=decision.decision_id,
        kind="reply",
        platform="facebook",
        comment_id=ex.comment_id,
        thread_id=ex.thread_id,
        status="done",
        performed_at=datetime.now(UTC),
    )
    comments_before = _sample(
        "sc_reporting_comments_total", {"platform": "facebook", "change": "removed"}
    )
    decisions_before = _sample("sc_reporting_decisions_total", {"rule_id": "R1"})
    actions_before = _sample("sc_reporting_actions_total", {"kind": "reply", "status": "done"})
    # Published before the service starts: the groups are created at id 0, so nothing is skipped.
    await publisher.publish([(names.comments, e) for e in ex.story()])
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await publisher.publish([(names.decisions, decision), (names.actions, completed)])

        async def settled() -> bool:
            row = await _comment_row(engine, ex)
            infos = {
                s: await redis.xinfo_groups(s)
                for s in (names.comments, names.decisions, names.actions)
            }
            drained = all(
                g["name"].decode() == Group.REPORTING and g["pending"] == 0 and g["lag"] == 0
                for groups in infos.values()
                for g in groups
            )
            return row is not None and row.status == "removed" and drained

        await _until(settled)
    row = await _comment_row(engine, ex)
    assert row is not None
    assert (row.status, row.text) == ("removed", "My order never arrived!! Scam!")
    assert await _event_count(engine, ex) == 3
    assert (
        _sample("sc_reporting_comments_total", {"platform": "facebook", "change": "removed"})
        == comments_before + 1
    )
    assert _sample("sc_reporting_decisions_total", {"rule_id": "R1"}) == decisions_before + 1
    assert (
        _sample("sc_reporting_actions_total", {"kind": "reply", "status": "done"})
        == actions_before + 1
    )


async def test_redelivered_batch_adds_no_history_and_older_events_never_win(
    engine: AsyncEngine,
) -> None:
    ex = Exchange.new()
    handler = CommentHistoryHandler(make_sessionmaker(engine))
    created, edited, removed = ex.story()
    await handler(deliveries([created, edited, removed]))
    await handler(deliveries([created, edited, removed, created]))  # redelivery, with a repeat
    await handler(deliveries([created]))  # an old event arriving late on its own
    assert await _event_count(engine, ex) == 3
    row = await _comment_row(engine, ex)
    assert row is not None
    assert (row.status, row.text) == ("removed", "My order never arrived!! Scam!")
    assert (row.status_at, row.text_at) == (at(9), at(5))


async def test_out_of_order_batches_converge_to_the_same_state(engine: AsyncEngine) -> None:
    ex = Exchange.new()
    handler = CommentHistoryHandler(make_sessionmaker(engine))
    created, edited, removed = ex.story()
    await handler(deliveries([removed]))
    row = await _comment_row(engine, ex)
    assert row is not None and (row.status, row.text) == ("removed", "")
    await handler(deliveries([created]))
    await handler(deliveries([edited]))
    row = await _comment_row(engine, ex)
    assert row is not None
    assert (row.status, row.text) == ("removed", "My order never arrived!! Scam!")
    assert await _event_count(engine, ex) == 3
