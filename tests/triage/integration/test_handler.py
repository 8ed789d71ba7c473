"""The comments handler against the real PostgreSQL and Redis: persist, publish, redeliver."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.triage.adapters.unit_of_work import sql_units
from services.triage.bootstrap import create_app
from services.triage.use_cases.comments import CommentsHandler
from shared.accounts import AccountDirectory
from shared.contracts import CommentReceived, DecisionMade
from shared.contracts.exchanges import ExchangeChanged
from shared.db.models import AuthorRecordRow, DecisionRow, ExchangeRow
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.streams import raw_entries
from tests.triage.factories import NOW, comment, labeller, received, timekeeper

pytestmark = pytest.mark.integration


def _scenario(tag: str) -> list[CommentReceived]:
    """A complaint thread (R1, R4, R4, R12) and a repeat offender (R7, R7, R9)."""
    top = f"{tag}-c1"
    thread = [
        (top, None, "Mein Paket ist nie angekommen."),
        (f"{tag}-c2", top, "Immer noch nicht angekommen, ich will mein Geld zurück!"),
        (f"{tag}-c3", top, "Schon wieder nichts, die Hotline antwortet auch nicht!"),
        (f"{tag}-c4", top, "Danke, jetzt ist alles da!"),
    ]
    events = [
        received(comment(text, comment_id=cid, parent_id=parent, author_id=f"{tag}-anna"))
        for cid, parent, text in thread
    ]
    for i, text in enumerate(["Ihr Idioten!", "Ihr Trottel!", "Ihr Deppen!"]):
        events.append(received(comment(text, comment_id=f"{tag}-t{i}", author_id=f"{tag}-troll")))
    return events


def _handler(redis: Redis, engine: AsyncEngine, names: StreamNames) -> CommentsHandler:
    sessions = make_sessionmaker(engine)
    return CommentsHandler(
        labeller=labeller(),
        accounts=AccountDirectory([], accept_unknown=True),
        units=sql_units(sessions),
        publisher=EventPublisher(redis, maxlen=10_000),
        names=names,
        timekeeper=timekeeper(redis, sessions, names),
        clock=lambda: NOW,
    )


async def _published(redis: Redis, names: StreamNames) -> list[DecisionMade]:
    entries = await redis.xrange(names.decisions)
    return [DecisionMade.model_validate(decode(fields)) for _id, fields in entries or []]  # type: ignore[arg-type]


async def _states(redis: Redis, names: StreamNames, thread: str) -> list[ExchangeChanged]:
    entries = raw_entries(await redis.xrange(names.exchanges))
    states = [ExchangeChanged.model_validate(decode(fields)) for _id, fields in entries]
    return [s for s in states if s.thread_id == thread]


async def _count(engine: AsyncEngine, tag: str) -> int:
    async with engine.connect() as conn:
        stmt = select(func.count()).where(DecisionRow.comment_id.like(f"{tag}-%"))
        return int((await conn.execute(stmt)).scalar_one())


async def test_a_batch_is_decided_stored_published_and_a_redelivery_changes_nothing(
    redis: Redis, engine: AsyncEngine, stream_prefix: str
) -> None:
    tag = uuid.uuid4().hex[:10]
    names = StreamNames(stream_prefix)
    handler = _handler(redis, engine, names)
    events = _scenario(tag)
    batch: Sequence[Delivery[CommentReceived]] = [
        Delivery(f"{i + 1}-0", e) for i, e in enumerate(events)
    ]

    await handler(batch)

    first = await _published(redis, names)
    assert [d.rule_id for d in first] == ["R1", "R4", "R4", "R12", "R7", "R7", "R9.repeat"]
    assert [d.comment.comment_id for d in first] == [e.comment.comment_id for e in events]
    assert first[0].actions[0].action_id == f"{first[0].decision_id}:reply"
    assert first[0].improvement and not first[3].improvement
    assert await _count(engine, tag) == 7
    async with engine.connect() as conn:
        ex = (
            await conn.execute(
                select(ExchangeRow).where(ExchangeRow.thread_id == f"facebook:{tag}-c1")
            )
        ).one()
        author = (
            await conn.execute(
                select(AuthorRecordRow).where(AuthorRecordRow.author_id == f"{tag}-troll")
            )
        ).one()
        stored = (
            await conn.execute(
                select(DecisionRow.event).where(DecisionRow.decision_id == first[2].decision_id)
            )
        ).scalar_one()
    assert (ex.state, ex.category) == ("resolved", "complaint.product")
    assert (author.strikes, author.blocked) == (3, True)
    assert DecisionMade.model_validate(stored) == first[2]

    states = await _states(redis, names, f"facebook:{tag}-c1")
    assert [s.state for s in states] == ["resolved"], "one state per exchange and batch"

    await handler(batch)  # redelivery, e.g. after a crash between commit and publish

    again = await _published(redis, names)
    assert again[7:] == first
    republished = await _states(redis, names, f"facebook:{tag}-c1")
    assert [s.state for s in republished] == ["resolved", "resolved"], "a redelivery heals"
    assert await _count(engine, tag) == 7
    async with engine.connect() as conn:
        strikes = (
            await conn.execute(
                select(AuthorRecordRow.strikes).where(AuthorRecordRow.author_id == f"{tag}-troll")
            )
        ).scalar_one()
    assert strikes == 3


async def test_state_carries_across_batches_and_removals_publish_nothing(
    redis: Redis, engine: AsyncEngine, stream_prefix: str
) -> None:
    tag = uuid.uuid4().hex[:10]
    names = StreamNames(stream_prefix)
    handler = _handler(redis, engine, names)
    events = _scenario(tag)
    for i, event in enumerate(events[:4]):  # one comment per batch: state comes from PostgreSQL
        await handler([Delivery(f"{i + 1}-0", event)])
    removal = received(events[0].comment, change="removed")
    await handler([Delivery("9-0", removal)])
    decisions = await _published(redis, names)
    assert [d.rule_id for d in decisions] == ["R1", "R4", "R4", "R12"]
    async with engine.connect() as conn:
        state = (
            await conn.execute(
                select(ExchangeRow.state).where(ExchangeRow.thread_id == f"facebook:{tag}-c1")
            )
        ).scalar_one()
    assert state == "removed"


async def test_the_service_consumes_comments_published_before_it_started(
    settings: Settings, redis: Redis, engine: AsyncEngine
) -> None:
    tag = uuid.uuid4().hex[:10]
    names = StreamNames(settings.stream_prefix)
    events = _scenario(tag)
    await EventPublisher(redis, maxlen=10_000).publish((names.comments, e) for e in events)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for _ in range(200):
            if await redis.xlen(names.decisions) >= len(events):
                break
            await asyncio.sleep(0.05)
    decisions = [d for d in await _published(redis, names) if d.comment.comment_id.startswith(tag)]
    assert sorted(d.rule_id for d in decisions) == sorted(
        ["R1", "R4", "R4", "R12", "R7", "R7", "R9.repeat"]
    )
    assert await _count(engine, tag) == 7
    pending = await redis.xpending(names.comments, "triage")
    assert pending["pending"] == 0
