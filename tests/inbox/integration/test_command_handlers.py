"""Agent commands acted on by the responder (fake platforms) and triage (real PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.responder.use_cases.commands import CommandHandler as ResponderCommands
from services.responder.use_cases.commands import unhide_id
from services.triage.adapters.repository import TriageRepository
from services.triage.adapters.timer_index import TimerIndex
from services.triage.adapters.unit_of_work import sql_units
from services.triage.domain.context import Exchange
from services.triage.timekeeping import Timekeeper
from services.triage.use_cases.commands import CommandHandler as TriageCommands
from services.triage.use_cases.commands import command_decision_id
from shared.accounts import Account, AccountDirectory
from shared.contracts import AgentCommand, DecisionMade
from shared.db.models import ActionRow, DecisionRow
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from tests.reporting.integration.factories import Exchange as Story
from tests.responder.integration.harness import (
    Clock,
    Fake,
    Rig,
    accounts,
    decision_on,
    platform_settings,
    rig,
    start_fakes,
)
from tests.streams import raw_entries

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, Fake]]:
    yield from start_fakes()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


def _command(thread: str, kind: str, **fields: object) -> AgentCommand:
    return AgentCommand.model_validate(
        {
            "occurred_at": NOW,
            "correlation_id": thread,
            "account_id": "1001",
            "thread_id": thread,
            "agent": "Alex",
            "kind": kind,
            **fields,
        }
    )


async def _row(engine: AsyncEngine, action_id: str) -> ActionRow:
    async with make_sessionmaker(engine)() as session:
        row = await session.get(ActionRow, action_id)
        assert row is not None, action_id
        return row


async def _responder(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
    mode: str,
) -> tuple[Rig, ResponderCommands]:
    for fake in fakes.values():
        fake.reset()
    directory = accounts(mode)
    r = rig(platform_settings(settings, fakes), engine, redis, directory, Clock(), http)
    handler = ResponderCommands(
        sessions=make_sessionmaker(engine), driver=r.driver, accounts=directory, clock=r.clock
    )
    return r, handler


async def test_an_approved_edit_is_posted_once_even_when_the_command_is_redelivered(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
) -> None:
    r, commands = await _responder(settings, engine, redis, fakes, http, "approve")
    fb = fakes["facebook"]
    decision = decision_on(fb, "reply")
    await r.handler.handle([Delivery("0-1", decision)])
    [action] = decision.actions
    assert (await _row(engine, action.action_id)).status == "awaiting_approval"
    assert fb.state.writes() == []
    edit = "Sorry about the kettle. Please send us your order number and we will replace it."
    command = _command(
        decision.correlation_id, "approve_draft", action_id=action.action_id, text=edit
    )
    await commands([Delivery("1-1", command)])
    await commands([Delivery("1-1", command, attempt=2)])
    row = await _row(engine, action.action_id)
    assert (row.status, row.text) == ("done", edit)
    assert [w.form.get("message") for w in fb.state.writes()] == [edit]
    published = raw_entries(await redis.xrange(StreamNames(settings.stream_prefix).actions))
    statuses = {(decode(f)["action_id"], decode(f)["status"]) for _i, f in published}
    assert (action.action_id, "done") in statuses


async def test_an_edit_failing_the_tone_guard_stays_a_draft_with_the_reasons(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
) -> None:
    r, commands = await _responder(settings, engine, redis, fakes, http, "approve")
    decision = decision_on(fakes["facebook"], "reply")
    await r.handler.handle([Delivery("0-1", decision)])
    [action] = decision.actions
    rude = "Read the manual!! Not our problem?!"
    await commands(
        [
            Delivery(
                "1-1",
                _command(
                    decision.correlation_id, "approve_draft", action_id=action.action_id, text=rude
                ),
            )
        ]
    )
    row = await _row(engine, action.action_id)
    assert row.status == "awaiting_approval"
    assert "refused" in row.detail and "tone guard" in row.detail and "'!!'" in row.detail
    assert row.text != rude
    assert fakes["facebook"].state.writes() == []


async def test_discard_settles_the_draft_without_a_platform_call(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
) -> None:
    r, commands = await _responder(settings, engine, redis, fakes, http, "approve")
    decision = decision_on(fakes["facebook"], "reply")
    await r.handler.handle([Delivery("0-1", decision)])
    [action] = decision.actions
    await commands(
        [
            Delivery(
                "1-1",
                _command(decision.correlation_id, "discard_draft", action_id=action.action_id),
            )
        ]
    )
    row = await _row(engine, action.action_id)
    assert (row.status, row.detail) == ("skipped", "discarded by Alex")
    assert fakes["facebook"].state.writes() == []


async def test_undo_hide_unhides_the_comment_once(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
) -> None:
    r, commands = await _responder(settings, engine, redis, fakes, http, "approve")
    fb = fakes["facebook"]
    decision = decision_on(fb, "hide")
    await r.handler.handle([Delivery("0-1", decision)])
    [hide] = decision.actions
    await commands(
        [
            Delivery(
                "1-1", _command(decision.correlation_id, "approve_draft", action_id=hide.action_id)
            )
        ]
    )
    assert fb.state.comments[decision.comment.comment_id].hidden  # type: ignore[attr-defined]
    undo = _command(decision.correlation_id, "undo_hide", action_id=hide.action_id)
    await commands([Delivery("2-1", undo)])
    await commands([Delivery("2-1", undo, attempt=2)])
    assert not fb.state.comments[decision.comment.comment_id].hidden  # type: ignore[attr-defined]
    assert (await _row(engine, unhide_id(hide.action_id))).status == "done"
    assert [w.form.get("is_hidden") for w in fb.state.writes()] == ["true", "false"]


async def _triage(
    settings: Settings, engine: AsyncEngine, redis: Redis, asks: bool
) -> TriageCommands:
    names = StreamNames(settings.stream_prefix)
    sessions = make_sessionmaker(engine)
    index = TimerIndex(redis, names, maxlen=1000, marker_ttl_s=60)
    directory = AccountDirectory(
        [
            Account.model_validate(
                {
                    "platform": "facebook",
                    "account_id": "acc-1",
                    "language": "en",
                    "ask_deletion_after_resolution": asks,
                }
            )
        ],
        accept_unknown=False,
    )
    return TriageCommands(
        units=sql_units(sessions),
        accounts=directory,
        timekeeper=Timekeeper(sessions=sessions, index=index, names=names),
        names=names,
        policy_version="test-1",
        clock=lambda: NOW,
    )


async def _open_exchange(engine: AsyncEngine) -> Story:
    story = Story.new()
    async with make_sessionmaker(engine)() as session:
        await TriageRepository(session).insert_decisions([story.decision()], NOW)
        await TriageRepository(session).save_exchanges(
            [
                Exchange(
                    thread_id=story.thread_id,
                    platform="facebook",
                    account_id="acc-1",
                    customer_id="author-1",
                    state="open",
                    category="complaint.product",
                    sla_due_at=NOW + timedelta(hours=1),
                    opened_at=NOW,
                    updated_at=NOW,
                )
            ]
        )
        await session.commit()
    return story


async def test_resolve_closes_the_exchange_and_asks_for_deletion_once(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    handler = await _triage(settings, engine, redis, asks=True)
    story = await _open_exchange(engine)
    resolve = _command(story.thread_id, "resolve").model_copy(update={"account_id": "acc-1"})
    await handler([Delivery("1-1", resolve)])
    await handler([Delivery("1-1", resolve, attempt=2)])
    async with make_sessionmaker(engine)() as session:
        exchange = (await TriageRepository(session).exchanges({story.thread_id}))[story.thread_id]
        stored = await session.scalar(
            select(func.count())
            .select_from(DecisionRow)
            .where(DecisionRow.decision_id == command_decision_id(resolve))
        )
    assert (exchange.state, exchange.resolved_at, stored) == ("resolved", NOW, 1)
    entries = raw_entries(await redis.xrange(StreamNames(settings.stream_prefix).decisions))
    made = [DecisionMade.model_validate(decode(f)) for _i, f in entries]
    mine = [d for d in made if d.decision_id == command_decision_id(resolve)]
    assert len(mine) == 1, "a redelivered command must not ask the customer twice"
    assert (mine[0].rule_id, [a.kind for a in mine[0].actions]) == ("R12", ["request_deletion"])
    assert mine[0].comment.comment_id == story.comment_id


async def test_take_over_marks_manual_and_resolve_without_deletion_wish_asks_nothing(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    handler = await _triage(settings, engine, redis, asks=False)
    story = await _open_exchange(engine)
    base = {"account_id": "acc-1"}
    await handler(
        [
            Delivery("1-1", _command(story.thread_id, "take_over").model_copy(update=base)),
            Delivery("1-2", _command(story.thread_id, "resolve").model_copy(update=base)),
        ]
    )
    async with make_sessionmaker(engine)() as session:
        exchange = (await TriageRepository(session).exchanges({story.thread_id}))[story.thread_id]
    assert (exchange.manual, exchange.state) == (True, "resolved")
    assert await redis.xlen(StreamNames(settings.stream_prefix).decisions) == 0
