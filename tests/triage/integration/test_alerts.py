"""Reporting's escalation alert moves an exchange private (R11): real PostgreSQL and Redis."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.triage.adapters.unit_of_work import sql_units
from services.triage.use_cases.alerts import AlertsHandler
from services.triage.use_cases.comments import CommentsHandler
from shared.accounts import AccountDirectory
from shared.contracts import DecisionMade
from shared.db.models import DecisionRow, ExchangeRow
from shared.db.session import make_sessionmaker
from shared.streams.codec import decode
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.streams import raw_entries
from tests.triage.factories import NOW, alert, comment, labeller, received, timekeeper

pytestmark = pytest.mark.integration


async def _published(redis: Redis, names: StreamNames) -> list[DecisionMade]:
    entries = raw_entries(await redis.xrange(names.decisions))
    return [DecisionMade.model_validate(decode(fields)) for _id, fields in entries]


async def test_an_alert_moves_the_exchange_private_once_and_a_redelivery_changes_nothing(
    redis: Redis, engine: AsyncEngine, stream_prefix: str
) -> None:
    tag = uuid.uuid4().hex[:10]
    names = StreamNames(stream_prefix)
    sessions = make_sessionmaker(engine)
    publisher = EventPublisher(redis, maxlen=10_000)
    keeper = timekeeper(redis, sessions, names)
    accounts = AccountDirectory([], accept_unknown=True)
    top = f"{tag}-c1"
    thread = [
        comment("Mein Paket ist nie angekommen.", comment_id=top, author_id=f"{tag}-anna"),
        comment(
            "Immer noch nichts da, ich will mein Geld zurück!",
            comment_id=f"{tag}-c2",
            parent_id=top,
            author_id=f"{tag}-anna",
            created_at=NOW + timedelta(minutes=5),
        ),
    ]
    comments = CommentsHandler(
        labeller=labeller(),
        accounts=accounts,
        units=sql_units(sessions),
        publisher=publisher,
        names=names,
        timekeeper=keeper,
        clock=lambda: NOW + timedelta(minutes=6),
    )
    await comments([Delivery(f"{i + 1}-0", received(c)) for i, c in enumerate(thread)])
    assert [d.rule_id for d in await _published(redis, names)] == ["R1", "R4"]

    alerts = AlertsHandler(
        policy=labeller().policy,
        accounts=accounts,
        units=sql_units(sessions),
        publisher=publisher,
        names=names,
        timekeeper=keeper,
        clock=lambda: NOW + timedelta(minutes=7),
    )
    heated = alert(f"facebook:{top}")
    await alerts([Delivery("1-0", heated)])
    escalation = (await _published(redis, names))[-1]
    assert escalation.rule_id == "R11" and escalation.trigger == "escalation_alert"
    assert [a.kind for a in escalation.actions] == ["reply", "private_reply"]
    assert escalation.comment.comment_id == f"{tag}-c2", "answers the latest customer message"
    assert escalation.comment_event_id == heated.event_id
    assert "escalation risk 72: negativity +20, velocity +15" in escalation.reason

    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(ExchangeRow.escalated_at, ExchangeRow.risk_score).where(
                    ExchangeRow.thread_id == f"facebook:{top}"
                )
            )
        ).one()
    assert row.escalated_at is not None and row.risk_score == 72.0

    await alerts([Delivery("1-0", heated)])  # redelivered: the same decision, published again
    again = await _published(redis, names)
    assert again[-1] == escalation
    await alerts([Delivery("2-0", alert(f"facebook:{top}", score=80.0))])  # already private
    await alerts([Delivery("3-0", alert(f"facebook:{tag}-nobody"))])  # no such exchange
    assert len(await _published(redis, names)) == len(again)
    async with engine.connect() as conn:
        stored = await conn.execute(
            select(func.count()).where(DecisionRow.thread_id == f"facebook:{top}")
        )
        assert stored.scalar_one() == 3
