"""The inbox pages over the real database and Redis, inside reporting's lifespan."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.bootstrap import create_app
from services.reporting.domain.summary import RiskConfig
from services.reporting.use_cases.comments import CommentHistoryHandler
from services.reporting.use_cases.decisions import DecisionHandler
from shared.contracts import AgentCommand, DecisionMade
from shared.db.models import ReportingActionRow
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.reporting.integration.factories import Exchange, at, deliveries
from tests.streams import raw_entries

pytestmark = pytest.mark.integration

KEY = "test-reporting-key"
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


async def _login(client: httpx.AsyncClient, key: str = KEY) -> httpx.Response:
    form = await client.get("/inbox/login")
    pre = re.search(r'name="pre" value="([^"]+)"', form.text)
    assert pre is not None, form.text
    return await client.post(
        "/inbox/login", data={"api_key": key, "agent": "Alex", "pre": pre.group(1)}
    )


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found is not None, html
    return found.group(1)


async def test_pages_need_a_login_with_a_reporting_key(client: httpx.AsyncClient) -> None:
    page = await client.get("/inbox/")
    assert (page.status_code, page.headers["location"]) == (303, "/inbox/login")
    refused = await _login(client, key="not-a-key")
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
    assert f"{ex.thread_id} · 1 Message</small>" in page.text, "one message, singular"
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
