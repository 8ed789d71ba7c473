"""Actions by hand through the responder's outbox against the fake platforms: one platform call
per command however often it is delivered, evidence before a delete, the tone guard on an
agent's own words unless they confirmed its warnings."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.responder.use_cases.commands import CommandHandler
from shared.contracts import AgentCommand
from shared.contracts.commands import CommentTarget
from shared.db.models import ActionRow
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.consumer import Delivery
from tests.responder.integration.harness import (
    Clock,
    Fake,
    accounts,
    platform_settings,
    rig,
    start_fakes,
)

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
POLITE = "Sorry about the delay. Please send us your order number and we will sort it out."
RUDE = "Sie sind ein Idiot."


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, Fake]]:
    yield from start_fakes()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
async def handler(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
) -> CommandHandler:
    for fake in fakes.values():
        fake.reset()
    directory = accounts("auto")
    r = rig(platform_settings(settings, fakes), engine, redis, directory, Clock(), http)
    return CommandHandler(
        sessions=make_sessionmaker(engine), driver=r.driver, accounts=directory, clock=r.clock
    )


def _command(fake: Fake, kind: str, **fields: object) -> AgentCommand:
    u = uuid.uuid4().hex[:10]
    comment_id, author_id = f"c{u}", f"a{u}"
    fake.seed(comment_id, author_id)
    thread = f"{fake.platform}:{comment_id}"
    return AgentCommand.model_validate(
        {
            "occurred_at": NOW,
            "correlation_id": thread,
            "account_id": fake.account_id,
            "thread_id": thread,
            "agent": "Alex",
            "kind": kind,
            "target": CommentTarget(
                platform=fake.platform,
                account_id=fake.account_id,
                comment_id=comment_id,
                post_id="p1",
                author_id=author_id,
                author_name="Jane Doe",
                text="Your hotline kept me waiting for an hour.",
                created_at=NOW,
            ),
            **fields,
        }
    )


async def _rows(engine: AsyncEngine, command: AgentCommand) -> list[ActionRow]:
    async with make_sessionmaker(engine)() as session:
        stmt = (
            select(ActionRow)
            .where(ActionRow.decision_id == command.manual_decision_id)
            .order_by(ActionRow.created_at, ActionRow.action_id)
        )
        return list((await session.scalars(stmt)).all())


async def test_an_agents_reply_reaches_the_platform_once_when_redelivered(
    handler: CommandHandler, fakes: dict[str, Fake], engine: AsyncEngine
) -> None:
    fb = fakes["facebook"]
    command = _command(fb, "reply", text=POLITE)
    await handler([Delivery("1-1", command)])
    await handler([Delivery("1-1", command, attempt=2)])
    await handler([Delivery("1-1", command, attempt=3)])
    [row] = await _rows(engine, command)
    assert (row.kind, row.status, row.text) == ("reply", "done", POLITE)
    assert [w.form.get("message") for w in fb.state.writes()] == [POLITE]


async def test_a_rude_reply_is_stopped_unless_the_agent_confirmed_the_warnings(
    handler: CommandHandler, fakes: dict[str, Fake], engine: AsyncEngine
) -> None:
    fb = fakes["facebook"]
    stopped = _command(fb, "reply", text=RUDE)
    await handler([Delivery("1-1", stopped)])
    [row] = await _rows(engine, stopped)
    assert row.status == "skipped" and "tone guard" in row.detail
    assert fb.state.writes() == []
    confirmed = _command(fb, "reply", text=RUDE, tone_override="insults the customer")
    await handler([Delivery("1-2", confirmed)])
    [sent] = await _rows(engine, confirmed)
    assert sent.status == "done"  # the confirmation itself is in reporting's audit log
    assert len(fb.state.writes()) == 1


async def test_a_delete_by_hand_preserves_the_evidence_first(
    handler: CommandHandler, fakes: dict[str, Fake], engine: AsyncEngine
) -> None:
    fb = fakes["facebook"]
    command = _command(fb, "delete")
    await handler([Delivery("1-1", command), Delivery("1-1", command, attempt=2)])
    rows = {r.kind: r for r in await _rows(engine, command)}
    evidence, delete = rows["preserve_evidence"], rows["delete"]
    assert (evidence.kind, evidence.status) == ("preserve_evidence", "done")
    assert evidence.evidence is not None
    assert evidence.evidence["text"] == "Your hotline kept me waiting for an hour."
    assert (delete.kind, delete.status) == ("delete", "done")
    deletes = [w for w in fb.state.writes() if w.method == "DELETE"]
    assert len(deletes) == 1


async def test_a_block_and_an_unblock_by_hand_reach_facebook_once_each(
    handler: CommandHandler, fakes: dict[str, Fake], engine: AsyncEngine
) -> None:
    fb = fakes["facebook"]
    block = _command(fb, "block_author")
    await handler([Delivery("1-1", block), Delivery("1-1", block, attempt=2)])
    assert block.target is not None
    unblock = block.model_copy(update={"kind": "unblock_author", "event_id": uuid.uuid4().hex})
    await handler([Delivery("1-2", unblock)])
    assert [(r.kind, r.status) for r in await _rows(engine, block)] == [("block_author", "done")]
    assert [(r.kind, r.status) for r in await _rows(engine, unblock)] == [
        ("unblock_author", "done")
    ]
    calls = [(w.method, w.path.rsplit("/", 1)[-1]) for w in fb.state.writes()]
    assert calls == [("POST", "blocked"), ("DELETE", "blocked")]
