"""The inbox pages over the real database and Redis, inside reporting's lifespan."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import TypeVar

import httpx
import pytest
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.adapters.people import AccountError, People
from services.reporting.bootstrap import create_app
from services.reporting.domain.summary import RiskConfig
from services.reporting.use_cases.actions import ActionHandler
from services.reporting.use_cases.comments import CommentHistoryHandler
from services.reporting.use_cases.decisions import DecisionHandler
from services.reporting.use_cases.exchanges import ExchangeStatesHandler
from services.reporting.use_cases.timers import TimerHandler
from shared.clock import utcnow
from shared.contracts import (
    ActionCompleted,
    AgentCommand,
    CommentReceived,
    DecisionMade,
    SlaTimerEvent,
    TimerStatus,
)
from shared.contracts.exchanges import ExchangeChanged
from shared.db.models import ReportingActionRow
from shared.db.session import make_sessionmaker
from shared.people import Principal
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.reporting.integration.factories import Exchange, at, deliveries
from tests.streams import raw_entries

pytestmark = pytest.mark.integration

DRAFT = "We are sorry about your order. Please send us your order number."


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as c:
            yield c


async def _seed(engine: AsyncEngine, redis: Redis, names: StreamNames) -> Exchange:
    """A complaint decided by triage whose reply waits for approval, and a flagged threat."""
    ex = Exchange.new()
    sessions = make_sessionmaker(engine)
    await CommentHistoryHandler(sessions)(deliveries(ex.story()[:1]))
    decision = ex.decision()
    config = RiskConfig(threshold=50, rearm=35, window=timedelta(minutes=120))
    handler = DecisionHandler(sessions, EventPublisher(redis, 1000), names.alerts, config)
    await handler([Delivery("0-1", decision)])
    await _store_outbox(engine, decision)
    return ex


async def _store_outbox(engine: AsyncEngine, decision: DecisionMade) -> None:
    c = decision.comment
    reply, flag = decision.actions
    common = {
        "decision_id": decision.decision_id,
        "platform": c.platform,
        "account_id": c.account_id,
        "comment_id": c.comment_id,
        "thread_id": c.thread_id,
        "author_id": c.author.id,
        "detail": "approve-mode account: waits for a human",
        "created_at": at(1),
        "text": None,
        "evidence": None,
    }
    evidence = {"text": c.text, "author_name": c.author.name, "sha256": "ab" * 32}
    async with engine.begin() as conn:
        await conn.execute(
            insert(ReportingActionRow),
            [
                {
                    **common,
                    "action_id": reply.action_id,
                    "kind": "reply",
                    "status": "awaiting_approval",
                    "text": DRAFT,
                },
                {
                    **common,
                    "action_id": flag.action_id,
                    "kind": "flag_for_human",
                    "status": "awaiting_approval",
                },
                {
                    **common,
                    "action_id": f"{decision.decision_id}:preserve_evidence",
                    "kind": "preserve_evidence",
                    "status": "done",
                    "evidence": evidence,
                },
            ],
        )


PASSWORD = "alex-password-1234"


@pytest.fixture(autouse=True)
async def alex(engine: AsyncEngine) -> None:
    """The agent the pages are tried as; the session database keeps it across tests."""
    people = People(make_sessionmaker(engine))
    if await people.get("Alex") is None:
        try:
            await people.add(Principal("cli:test", "admin", "operator"), "Alex", "agent", PASSWORD)
        except AccountError:
            pass  # another test made it first


async def _login(
    client: httpx.AsyncClient, password: str = PASSWORD, agent: str = "Alex"
) -> httpx.Response:
    form = await client.get("/inbox/login")
    pre = re.search(r'name="pre" value="([^"]+)"', form.text)
    assert pre is not None, form.text
    return await client.post(
        "/inbox/login", data={"password": password, "agent": agent, "pre": pre.group(1)}
    )


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found is not None, html
    return found.group(1)


async def test_pages_need_a_login_with_an_agents_password(client: httpx.AsyncClient) -> None:
    page = await client.get("/inbox/")
    assert (page.status_code, page.headers["location"]) == (303, "/inbox/login")
    refused = await _login(client, password="not-the-password")
    assert refused.headers["location"] == "/inbox/login?failed=true"
    assert "sc_inbox=" not in refused.headers.get("set-cookie", "")
    accepted = await _login(client)
    cookie = accepted.headers["set-cookie"]
    assert accepted.headers["location"] == "/inbox/"
    assert "sc_inbox=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


async def test_queue_shows_the_exchange_and_filters_it(
    client: httpx.AsyncClient, engine: AsyncEngine, redis: Redis, settings: Settings
) -> None:
    ex = await _seed(engine, redis, StreamNames(settings.stream_prefix))
    await _login(client)
    page = await client.get("/inbox/", params={"q": ex.comment_id})
    assert page.status_code == 200, page.text
    assert ex.thread_id in page.text
    assert "complaint.product" in page.text and "Jane Doe" in page.text
    assert ">en<" in page.text
    assert f"{ex.thread_id} · 1 message</small>" in page.text, "one message, singular"
    other_lang = await client.get("/inbox/", params={"q": ex.comment_id, "lang": "de"})
    assert ex.thread_id not in other_lang.text


async def test_interface_speaks_german_and_english(client: httpx.AsyncClient) -> None:
    await _login(client)
    german = await client.get("/inbox/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert "Offene Vorgänge" in german.text and '<html lang="de">' in german.text
    english = await client.get("/inbox/", headers={"Accept-Language": "en-GB"})
    assert "Open exchanges" in english.text
    toggled = await client.get("/inbox/lang/de", params={"next": "/inbox/threats"})
    assert toggled.headers["location"] == "/inbox/threats"
    after = await client.get("/inbox/", headers={"Accept-Language": "en"})
    assert "Offene Vorgänge" in after.text


async def test_an_edited_approval_is_published_once_as_a_command_with_csrf(
    client: httpx.AsyncClient, engine: AsyncEngine, redis: Redis, settings: Settings
) -> None:
    names = StreamNames(settings.stream_prefix)
    ex = await _seed(engine, redis, names)
    await _login(client)
    page = await client.get(f"/inbox/threads/{ex.thread_id}")
    assert page.status_code == 200, page.text
    assert DRAFT in page.text and "My order never arrived" in page.text
    action = re.search(r'name="action_id" value="([^"]+:reply)"', page.text)
    assert action is not None
    form = {
        "kind": "approve_draft",
        "action_id": action.group(1),
        "text": "Sorry! Order number?",
        "original": DRAFT,
    }
    forged = await client.post(f"/inbox/threads/{ex.thread_id}/commands", data=form)
    assert forged.status_code == 403
    assert await redis.xlen(names.commands) == 0
    sent = await client.post(
        f"/inbox/threads/{ex.thread_id}/commands", data={**form, "csrf": _csrf(page.text)}
    )
    assert sent.status_code == 303
    [(_id, fields)] = raw_entries(await redis.xrange(names.commands))
    command = AgentCommand.model_validate(decode(fields))
    assert (command.kind, command.action_id, command.text) == (
        "approve_draft",
        action.group(1),
        "Sorry! Order number?",
    )
    assert (command.agent, command.thread_id, command.account_id) == ("Alex", ex.thread_id, "acc-1")


async def test_threat_evidence_is_listed_and_exported(
    client: httpx.AsyncClient, engine: AsyncEngine, redis: Redis, settings: Settings
) -> None:
    ex = await _seed(engine, redis, StreamNames(settings.stream_prefix))
    async with engine.begin() as conn:  # the newest flag: the page lists the latest 200, and
        await conn.execute(  # the session's other tests (the chaos runs) flag threats too
            text("UPDATE reporting_actions SET created_at = now() WHERE thread_id = :t"),
            {"t": ex.thread_id},
        )
    await _login(client)
    page = await client.get("/inbox/threats")
    assert ex.thread_id in page.text and "ab" * 32 in page.text
    export = await client.get(f"/inbox/threads/{ex.thread_id}/evidence.json")
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    body = export.json()
    assert body["thread_id"] == ex.thread_id
    assert [e["record"]["sha256"] for e in body["evidence"]] == ["ab" * 32]
    assert [d["rule_id"] for d in body["decisions"]] == ["R1"]
    printable = await client.get(f"/inbox/threads/{ex.thread_id}/evidence")
    assert printable.status_code == 200 and "My order never arrived" in printable.text


# Counts, plurals and SLA states on the queue, with events in the orders the streams deliver.


class _Reporting:
    """Reporting's consumers as its composition root wires them, fed one event at a time."""

    def __init__(self, engine: AsyncEngine, redis: Redis, names: StreamNames) -> None:
        sessions = make_sessionmaker(engine)
        config = RiskConfig(threshold=50, rearm=35, window=timedelta(minutes=120))
        self.comments = CommentHistoryHandler(sessions)
        self.decisions = DecisionHandler(
            sessions, EventPublisher(redis, 1000), names.alerts, config
        )
        self.actions = ActionHandler(sessions)
        self.timers = TimerHandler(sessions)
        self.states = ExchangeStatesHandler(sessions)
        self._n = 0

    def _one(self, event: _E) -> list[Delivery[_E]]:
        self._n += 1
        return [Delivery(f"9-{self._n}", event)]

    async def __call__(self, *events: object) -> None:
        for e in events:
            if isinstance(e, CommentReceived):
                await self.comments(self._one(e))
            elif isinstance(e, DecisionMade):
                await self.decisions(self._one(e))
            elif isinstance(e, ActionCompleted):
                await self.actions(self._one(e))
            elif isinstance(e, SlaTimerEvent):
                await self.timers(self._one(e))
            elif isinstance(e, ExchangeChanged):
                await self.states(self._one(e))
            else:
                raise TypeError(e)


_E = TypeVar("_E", bound=BaseModel)


def _reply(d: DecisionMade, minutes: float) -> ActionCompleted:
    c = d.comment
    return ActionCompleted(
        occurred_at=at(0) + timedelta(minutes=minutes),
        correlation_id=c.thread_id,
        account_id=c.account_id,
        action_id=f"{d.decision_id}:reply",
        decision_id=d.decision_id,
        kind="reply",
        platform=c.platform,
        comment_id=c.comment_id,
        thread_id=c.thread_id,
        status="done",
        performed_at=at(0) + timedelta(minutes=minutes),
    )


def _timer(d: DecisionMade, status: TimerStatus, minutes: float) -> SlaTimerEvent:
    c = d.comment
    return SlaTimerEvent(
        occurred_at=at(0) + timedelta(minutes=minutes),
        correlation_id=c.thread_id,
        account_id=c.account_id,
        timer_id=f"timer-{d.decision_id}",
        kind="sla",
        status=status,
        thread_id=c.thread_id,
        platform=c.platform,
        decision_id=d.decision_id,
        comment_id=c.comment_id,
        category=d.category,
        started_at=d.occurred_at,
        due_at=d.sla_due_at or d.occurred_at,
    )


def _second_message(ex: Exchange, minutes: int) -> tuple[CommentReceived, DecisionMade]:
    """Another comment of the same customer in the exchange's thread, and its decision."""
    comment = ex.comment("Still nothing. Hello?").model_copy(
        update={"comment_id": f"{ex.comment_id}_2", "created_at": at(minutes)}
    )
    received = ex.received("created", "", minutes).model_copy(update={"comment": comment})
    decided = ex.decision(minutes).model_copy(
        update={"comment": comment, "sla_due_at": at(minutes + 60)}
    )
    return received, decided


async def _queue_row(client: httpx.AsyncClient, ex: Exchange, lang: str = "en") -> str:
    page = await client.get(
        "/inbox/", params={"q": ex.comment_id, "status": "any"}, headers={"Accept-Language": lang}
    )
    assert page.status_code == 200, page.text
    row = re.search(
        rf'<tr [^>]*data-thread="{re.escape(ex.thread_id)}">(.*?)</tr>', page.text, re.S
    )
    assert row is not None, page.text
    return row.group(1)


def _count(row: str, ex: Exchange) -> str:
    found = re.search(rf"{re.escape(ex.thread_id)} · ([^<]+)</small>", row)
    assert found is not None, row
    return found.group(1)


def _sla(row: str) -> str | None:
    found = re.search(r"<td>[^<]*<br><small>([a-z_]+)</small></td>", row)
    return found.group(1) if found else None


async def test_the_message_count_is_the_same_whatever_order_the_events_came_in(
    client: httpx.AsyncClient, engine: AsyncEngine, redis: Redis, settings: Settings
) -> None:
    feed = _Reporting(engine, redis, StreamNames(settings.stream_prefix))
    in_order, overtaken, late_comment, edited, two = (Exchange.new() for _ in range(5))
    d = in_order.decision()
    await feed(in_order.story()[0], d, _timer(d, "started", 1), _reply(d, 2))
    d = overtaken.decision()  # the reply and the timer overtake the decision and the comment
    await feed(_reply(d, 2), _timer(d, "started", 1), d, overtaken.story()[0])
    d = late_comment.decision()  # the decision overtakes the comment, which comes last
    await feed(d, _reply(d, 2), late_comment.story()[0])
    first, again = edited.decision(1), edited.decision(6)  # an edit is decided again
    await feed(first, edited.story()[0], _reply(first, 2), edited.story()[1], again)
    received, decided = _second_message(two, 10)
    d = two.decision()
    await feed(_reply(d, 2), d, two.story()[0], decided, received)
    await _login(client)
    for ex in (in_order, overtaken, late_comment, edited):
        assert _count(await _queue_row(client, ex), ex) == "1 message", ex.thread_id
    assert _count(await _queue_row(client, two), two) == "2 messages"
    assert _count(await _queue_row(client, overtaken, "de"), overtaken) == "1 Nachricht"
    assert _count(await _queue_row(client, two, "de"), two) == "2 Nachrichten"


async def test_every_past_due_unanswered_exchange_reads_breached_and_an_answered_one_not(
    client: httpx.AsyncClient, engine: AsyncEngine, redis: Redis, settings: Settings
) -> None:
    """Deadlines at minute 61 of a day long gone: the page judges them against today."""
    feed = _Reporting(engine, redis, StreamNames(settings.stream_prefix))
    ex = {k: Exchange.new() for k in ("ticked", "not_ticked", "no_timer", "in_time", "by_hand")}
    ex |= {k: Exchange.new() for k in ("late", "restarted", "resolved", "future")}
    d = {k: e.decision() for k, e in ex.items()}
    for k in ex:
        await feed(ex[k].story()[0], d[k])
    await feed(_timer(d["ticked"], "started", 1), _timer(d["ticked"], "breached", 62))
    await feed(_timer(d["not_ticked"], "started", 1))  # the loop has not ticked since
    await feed(_timer(d["in_time"], "started", 1), _reply(d["in_time"], 20))
    await feed(_timer(d["late"], "started", 1), _reply(d["late"], 90))
    await _store_reply_by_hand(engine, d["by_hand"], at(30))  # meets no timer: only the row
    first = d["restarted"]  # answered and met; then the customer wrote again (R4)
    await feed(_timer(first, "started", 1), _reply(first, 10), _timer(first, "met", 10))
    await feed(*_second_message(ex["restarted"], 100))
    await feed(_timer(d["resolved"], "started", 1), _resolved(d["resolved"], 30))
    future = (
        ex["future"].decision(2).model_copy(update={"sla_due_at": utcnow() + timedelta(hours=1)})
    )
    await feed(future, _timer(future, "started", 2))
    await _login(client)
    shown = {k: _sla(await _queue_row(client, e)) for k, e in ex.items()}
    assert shown == {
        "ticked": "breached",
        "not_ticked": "breached",
        "no_timer": "breached",
        "in_time": "met",
        "by_hand": "met",
        "late": "breached",
        "restarted": "breached",
        "resolved": "cancelled",
        "future": "started",
    }


async def _store_reply_by_hand(engine: AsyncEngine, d: DecisionMade, done_at: datetime) -> None:
    """An agent's reply as reporting's read model of the outbox holds it (`ActionChanged`)."""
    c = d.comment
    async with engine.begin() as conn:
        await conn.execute(
            insert(ReportingActionRow).values(
                action_id=f"agent:{d.decision_id}:reply",
                decision_id=f"agent:{d.decision_id}",
                kind="reply",
                platform=c.platform,
                account_id=c.account_id,
                comment_id=c.comment_id,
                thread_id=c.thread_id,
                author_id=c.author.id,
                status="done",
                text="Sorry, here is what happened.",
                detail="",
                created_at=done_at,
                completed_at=done_at,
                evidence=None,
            )
        )


def _resolved(d: DecisionMade, minutes: float) -> ExchangeChanged:
    c = d.comment
    when = at(0) + timedelta(minutes=minutes)
    return ExchangeChanged(
        occurred_at=when,
        correlation_id=c.thread_id,
        account_id=c.account_id,
        thread_id=c.thread_id,
        platform=c.platform,
        state="resolved",
        category=d.category,
        sla_due_at=d.sla_due_at,
        resolved_at=when,
        updated_at=when,
    )
