"""Timers against the real PostgreSQL and Redis: start, due soon, breach once, meet, R10, resync."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.triage.adapters.unit_of_work import sql_units
from services.triage.use_cases.actions import RepliesHandler
from services.triage.use_cases.comments import CommentsHandler
from services.triage.use_cases.due_timers import LoopConfig, TimerLoop
from shared.accounts import Account, AccountDirectory
from shared.contracts import ActionCompleted, DecisionMade, SlaTimerEvent
from shared.db.models import ExchangeRow, SlaTimerRow
from shared.db.session import make_sessionmaker
from shared.streams.codec import decode
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.triage.factories import NOW, comment, labeller, policy, received, timekeeper

pytestmark = pytest.mark.integration


@dataclass
class Triage:
    """The three timer-related use cases wired like bootstrap does, with a settable clock."""

    comments: CommentsHandler
    replies: RepliesHandler
    loop: TimerLoop
    names: StreamNames
    clock: list[datetime]

    async def comment(
        self, text: str, cid: str, parent: str | None = None, author: str = "anna"
    ) -> None:
        c = comment(text, comment_id=cid, parent_id=parent, author_id=author)
        await self.comments([Delivery(f"{cid}-0", received(c))])

    async def at(self, when: datetime) -> int:
        self.clock[0] = when
        return await self.loop.tick()


def _triage(redis: Redis, engine: AsyncEngine, prefix: str, *accounts: Account) -> Triage:
    names = StreamNames(prefix)
    sessions = make_sessionmaker(engine)
    keeper = timekeeper(redis, sessions, names)
    clock = [NOW]
    directory = AccountDirectory(list(accounts), accept_unknown=True)
    handler = CommentsHandler(
        labeller=labeller(),
        accounts=directory,
        units=sql_units(sessions),
        publisher=EventPublisher(redis, maxlen=10_000),
        names=names,
        timekeeper=keeper,
        clock=lambda: clock[0],
    )
    loop = TimerLoop(
        sessions=sessions,
        timekeeper=keeper,
        policy=policy(),
        accounts=directory,
        names=names,
        config=LoopConfig(tick_s=0.05, batch=100, resync_s=60),
        clock=lambda: clock[0],
    )
    replies = RepliesHandler(
        units=sql_units(sessions), timekeeper=keeper, names=names, clock=lambda: clock[0]
    )
    return Triage(handler, replies, loop, names, clock)


async def _timer_events(redis: Redis, names: StreamNames, thread: str) -> list[SlaTimerEvent]:
    """This thread's events (a resync re-indexes every pending row of the shared test database)."""
    entries = await redis.xrange(names.timers)
    events = [SlaTimerEvent.model_validate(decode(f)) for _i, f in entries or []]  # type: ignore[arg-type]
    return [e for e in events if e.thread_id == thread]


async def _decisions(redis: Redis, names: StreamNames) -> list[DecisionMade]:
    entries = await redis.xrange(names.decisions)
    return [DecisionMade.model_validate(decode(f)) for _i, f in entries or []]  # type: ignore[arg-type]


async def _rows(engine: AsyncEngine, thread: str) -> list[SlaTimerRow]:
    async with make_sessionmaker(engine)() as session:
        rows = await session.scalars(
            select(SlaTimerRow)
            .where(SlaTimerRow.thread_id == thread)
            .order_by(SlaTimerRow.created_at, SlaTimerRow.comment_id, SlaTimerRow.kind)
        )
        return list(rows)


def _reply_done(decision: DecisionMade, at: datetime) -> ActionCompleted:
    action = decision.actions[0]
    return ActionCompleted(
        occurred_at=at,
        correlation_id=decision.correlation_id,
        account_id=decision.account_id,
        action_id=action.action_id,
        decision_id=decision.decision_id,
        kind=action.kind,
        platform=decision.comment.platform,
        comment_id=decision.comment.comment_id,
        thread_id=decision.comment.thread_id,
        status="done",
        performed_at=at,
    )


async def test_a_timer_is_due_soon_then_breached_exactly_once_even_with_two_loops(
    redis: Redis, engine: AsyncEngine, stream_prefix: str
) -> None:
    tag = uuid.uuid4().hex[:10]
    triage = _triage(redis, engine, stream_prefix)
    other = _triage(redis, engine, stream_prefix)  # a second triage process on the same index
    await triage.comment("Mein Paket ist nie angekommen.", f"{tag}-c1")
    (row,) = await _rows(engine, f"facebook:{tag}-c1")
    assert (row.state, row.due_at, row.revision, row.published_revision) == (
        "pending",
        NOW + timedelta(hours=1),
        1,
        1,
    )
    assert await redis.zcard(triage.names.key("timers:due")) == 2

    assert await triage.at(NOW + timedelta(minutes=47)) == 0
    assert await triage.at(NOW + timedelta(minutes=50)) == 1  # 80 % of the hour
    assert await triage.at(NOW + timedelta(hours=2)) == 1
    assert await other.at(NOW + timedelta(hours=2)) == 0
    await other.loop.resync()  # re-indexes pending rows only: this one does not come back
    await other.at(NOW + timedelta(hours=3))

    events = await _timer_events(redis, triage.names, row.thread_id)
    assert [e.status for e in events] == ["started", "due_soon", "breached"]
    assert {e.timer_id for e in events} == {row.timer_id}
    assert events[2].occurred_at == NOW + timedelta(hours=2)
    (row,) = await _rows(engine, f"facebook:{tag}-c1")
    assert (row.state, row.revision, row.published_revision) == ("breached", 3, 3)


async def test_our_reply_meets_the_timer_and_the_exchange_awaits_the_customer(
    redis: Redis, engine: AsyncEngine, stream_prefix: str
) -> None:
    tag = uuid.uuid4().hex[:10]
    triage = _triage(redis, engine, stream_prefix)
    thread = f"facebook:{tag}-c1"
    await triage.comment("My order never arrived.", f"{tag}-c1")
    (decision,) = await _decisions(redis, triage.names)
    async with engine.connect() as conn:
        state = (
            await conn.execute(select(ExchangeRow.state).where(ExchangeRow.thread_id == thread))
        ).scalar_one()
    assert state == "open"  # our reply is planned, not done

    done = _reply_done(decision, NOW + timedelta(minutes=10))
    await triage.replies([Delivery("1-0", done)])
    await triage.replies([Delivery("1-0", done)])  # redelivered: changes nothing

    (row,) = await _rows(engine, thread)
    assert (row.state, row.detail) == (
        "met",
        f"reply {done.action_id} done at {done.performed_at.isoformat()}",
    )
    async with engine.connect() as conn:
        ex = (await conn.execute(select(ExchangeRow).where(ExchangeRow.thread_id == thread))).one()
    assert (ex.state, ex.sla_due_at) == ("awaiting_customer", None)
    assert await triage.at(NOW + timedelta(hours=2)) == 0  # nothing left to fire
    assert [e.status for e in await _timer_events(redis, triage.names, thread)] == [
        "started",
        "met",
    ]

    # R4: the customer writes again; the exchange is ours again, on a new clock.
    triage.clock[0] = NOW + timedelta(hours=3)
    await triage.comment("Immer noch nicht angekommen!", f"{tag}-c2", parent=f"{tag}-c1")
    rows = await _rows(engine, thread)
    assert [(r.state, r.due_at) for r in rows] == [
        ("met", NOW + timedelta(hours=1)),
        ("pending", NOW + timedelta(hours=1)),
    ]
    # the follow-up's clock starts when the customer wrote (the comment says NOW)


async def test_r4_restart_cancels_the_old_clock(
    redis: Redis, engine: AsyncEngine, stream_prefix: str
) -> None:
    tag = uuid.uuid4().hex[:10]
    triage = _triage(redis, engine, stream_prefix)
    await triage.comment("Mein Paket ist nie angekommen.", f"{tag}-c1")
    await triage.comment(
        "Immer noch nicht angekommen, ich will mein Geld zurück!", f"{tag}-c2", parent=f"{tag}-c1"
    )
    old, new = await _rows(engine, f"facebook:{tag}-c1")
    assert old.state == "cancelled" and old.detail.startswith("superseded by decision")
    assert new.state == "pending"
    assert await triage.at(NOW + timedelta(hours=2)) >= 1
    statuses = [
        (e.timer_id == new.timer_id, e.status)
        for e in await _timer_events(redis, triage.names, new.thread_id)
    ]
    assert statuses == [
        (False, "started"),
        (False, "cancelled"),
        (True, "started"),
        (True, "breached"),
    ]


async def test_r10_an_unanswered_community_window_becomes_our_reply(
    redis: Redis, engine: AsyncEngine, stream_prefix: str
) -> None:
    tag = uuid.uuid4().hex[:10]
    influencer = Account(
        platform="facebook",
        account_id="1001",
        kind="influencer",
        language="en",
        community_window_minutes=30,
    )
    triage = _triage(redis, engine, stream_prefix, influencer)
    await triage.comment("My order never arrived.", f"{tag}-a1")
    await triage.comment("My blender is broken.", f"{tag}-b1")
    await triage.comment(
        "Same here, thanks for the quick help!",
        f"{tag}-b2",
        parent=f"{tag}-b1",
        author="helpful-neighbour",
    )

    assert await triage.at(NOW + timedelta(minutes=31)) >= 1
    decisions = await _decisions(redis, triage.names)
    assert [d.rule_id for d in decisions] == ["R10", "R10", "R0.positive", "R10.reply"]
    follow_up = decisions[-1]
    assert follow_up.comment.comment_id == f"{tag}-a1"
    assert [a.kind for a in follow_up.actions] == ["reply"]
    answered = await _rows(engine, f"facebook:{tag}-b1")
    assert [(r.kind, r.state, r.detail) for r in answered] == [
        ("community", "cancelled", "community member helpful-neighbour answered")
    ]
    community, reply_clock = await _rows(engine, f"facebook:{tag}-a1")
    assert (community.kind, community.state) == ("community", "elapsed")
    assert (reply_clock.kind, reply_clock.state, reply_clock.decision_id) == (
        "sla",
        "pending",
        follow_up.decision_id,
    )
    assert reply_clock.due_at == NOW + timedelta(minutes=31, hours=1)

    await triage.loop.resync()  # a restart: nothing is published twice
    await triage.at(NOW + timedelta(minutes=32))
    assert len(await _decisions(redis, triage.names)) == 4


async def test_resync_rebuilds_the_index_and_republishes_without_duplicates(
    redis: Redis, engine: AsyncEngine, stream_prefix: str
) -> None:
    tag = uuid.uuid4().hex[:10]
    triage = _triage(redis, engine, stream_prefix)
    thread = f"facebook:{tag}-c1"
    await triage.comment("Mein Paket ist nie angekommen.", f"{tag}-c1")
    await redis.delete(triage.names.key("timers:due"))  # Redis lost the index
    assert await triage.at(NOW + timedelta(hours=2)) == 0
    await triage.loop.resync()
    assert await triage.at(NOW + timedelta(hours=2)) >= 1
    # A crash after the commit, before the publish was confirmed:
    async with make_sessionmaker(engine)() as session:
        await session.execute(
            update(SlaTimerRow).where(SlaTimerRow.thread_id == thread).values(published_revision=0)
        )
        await session.commit()
    await triage.loop.resync()
    assert [e.status for e in await _timer_events(redis, triage.names, thread)] == [
        "started",
        "breached",
    ]
    (row,) = await _rows(engine, thread)
    assert (row.state, row.published_revision) == ("breached", row.revision)
