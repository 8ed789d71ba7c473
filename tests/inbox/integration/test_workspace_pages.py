"""The workspace in the inbox's pages over the real database and Redis: people and sessions,
throttled sign-ins, replies with the tone guard, presence, canned replies, police decisions,
the audit page."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.adapters.people import People
from services.reporting.bootstrap import create_app
from shared.contracts import AgentCommand
from shared.db.models import ReportingActionRow, ReportingExchangeRow
from shared.db.session import make_sessionmaker
from shared.people import Principal
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.names import StreamNames
from tests.inbox.integration.test_inbox_pages import _seed
from tests.streams import raw_entries

pytestmark = pytest.mark.integration

OPERATOR = Principal("cli:test", "admin", "operator")
PASSWORD = "a-long-enough-password"
RUDE = "Sie sind ein Idiot, lesen Sie doch einfach die FAQ."
POLITE = "Es tut uns leid. Schicken Sie uns bitte Ihre Bestellnummer per Nachricht?"


@pytest.fixture
async def app_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"login_max_failures_per_account": 3})


@pytest.fixture
async def app(app_settings: Settings) -> AsyncIterator[object]:
    application = create_app(app_settings)
    async with application.router.lifespan_context(application):
        yield application


def _client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://reporting")


async def _person(engine: AsyncEngine, role: str) -> str:
    name = f"{role}-{uuid.uuid4().hex[:6]}"
    await People(make_sessionmaker(engine)).add(OPERATOR, name, role, PASSWORD)
    return name


async def _login(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    form = await client.get("/inbox/login")
    pre = re.search(r'name="pre" value="([^"]+)"', form.text)
    assert pre is not None, form.text
    return await client.post(
        "/inbox/login", data={"agent": name, "password": password, "pre": pre.group(1)}
    )


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found is not None, html
    return found.group(1)


async def _commands(redis: Redis, settings: Settings) -> list[AgentCommand]:
    names = StreamNames(settings.stream_prefix)
    return [
        AgentCommand.model_validate(decode(f))
        for _i, f in raw_entries(await redis.xrange(names.commands))
    ]


async def test_failed_sign_ins_are_throttled_per_account_with_a_clear_message(
    app: object, engine: AsyncEngine
) -> None:
    name = await _person(engine, "agent")
    async with _client(app) as client:
        for _ in range(3):
            wrong = await _login(client, name, "wrong-password-123")
            assert wrong.headers["location"] == "/inbox/login?failed=true"
        throttled = await _login(client, name)  # even the right password waits now
        assert throttled.status_code == 429
        assert "too many failed sign-ins for this account" in throttled.text
        assert int(throttled.headers["retry-after"]) > 0
        other = await _person(engine, "agent")
        assert (await _login(client, other)).status_code == 303, "other accounts still sign in"


async def test_disabling_or_resetting_an_agent_ends_their_session(
    app: object, engine: AsyncEngine
) -> None:
    people = People(make_sessionmaker(engine))
    name = await _person(engine, "agent")
    async with _client(app) as client:
        assert (await _login(client, name)).status_code == 303
        assert (await client.get("/inbox/")).status_code == 200
        await people.reset_password(OPERATOR, name, "another-long-password")
        assert (await client.get("/inbox/")).headers["location"] == "/inbox/login"
        assert (await _login(client, name, "another-long-password")).status_code == 303
        await people.disable(OPERATOR, name)
        assert (await client.get("/inbox/")).status_code == 303
        again = await _login(client, name, "another-long-password")
        assert again.headers["location"] == "/inbox/login?failed=true"


async def test_a_reply_written_in_the_inbox_is_warned_then_sent_once_confirmed(
    app: object, engine: AsyncEngine, redis: Redis, app_settings: Settings
) -> None:
    ex = await _seed(engine, redis, StreamNames(app_settings.stream_prefix))
    name = await _person(engine, "agent")
    async with _client(app) as client:
        await _login(client, name)
        page = await client.get(f"/inbox/threads/{ex.thread_id}")
        assert 'id="reply-form"' in page.text
        url = f"/inbox/threads/{ex.thread_id}/reply"
        csrf = _csrf(page.text)
        warned = await client.post(url, data={"csrf": csrf, "text": RUDE})
        assert warned.status_code == 409
        assert 'id="tone-warnings"' in warned.text and 'id="reply-confirm"' in warned.text
        assert RUDE in warned.text, "the agent's words stay in the box to rewrite"
        assert await _commands(redis, app_settings) == []
        sent = await client.post(url, data={"csrf": csrf, "text": POLITE})
        assert sent.status_code == 303, sent.text
        [command] = await _commands(redis, app_settings)
        assert (command.kind, command.agent, command.text) == ("reply", name, POLITE)
        forged = await client.post(url, data={"csrf": "0" * 64, "text": POLITE})
        assert forged.status_code == 403
        assert len(await _commands(redis, app_settings)) == 1


async def test_two_agents_on_one_exchange_see_each_other(
    app: object, engine: AsyncEngine, redis: Redis, app_settings: Settings
) -> None:
    ex = await _seed(engine, redis, StreamNames(app_settings.stream_prefix))
    alex, robin = await _person(engine, "agent"), await _person(engine, "agent")
    async with _client(app) as a, _client(app) as b:
        await _login(a, alex)
        await _login(b, robin)
        page_a = await a.get(f"/inbox/threads/{ex.thread_id}")
        beat = await a.post(
            f"/inbox/threads/{ex.thread_id}/presence",
            data={"csrf": _csrf(page_a.text), "state": "writing"},
        )
        assert beat.json() == []
        page_b = await b.get(f"/inbox/threads/{ex.thread_id}")
        assert f'data-agent="{alex}"' in page_b.text and "writing a reply" in page_b.text
        seen = await b.post(
            f"/inbox/threads/{ex.thread_id}/presence", data={"csrf": _csrf(page_b.text)}
        )
        assert seen.json() == [{"agent": alex, "state": "writing"}]


async def test_canned_replies_are_kept_by_admins_and_filled_in_for_the_exchange(
    app: object, engine: AsyncEngine, redis: Redis, app_settings: Settings
) -> None:
    ex = await _seed(engine, redis, StreamNames(app_settings.stream_prefix))
    admin, agent = await _person(engine, "admin"), await _person(engine, "agent")
    title = f"Order {uuid.uuid4().hex[:6]}"
    body = "Hallo {author_name}, hier ist das Team von {brand}. Ihre Vorgangsnummer: {reference}."
    async with _client(app) as a, _client(app) as b:
        await _login(b, agent)
        page = await b.get("/inbox/canned")
        refused = await b.post(
            "/inbox/canned",
            data={
                "csrf": _csrf(page.text),
                "account_id": "*",
                "lang": "de",
                "title": title,
                "body": body,
            },
        )
        assert refused.status_code == 403 and "admin" in refused.text
        await _login(a, admin)
        page = await a.get("/inbox/canned")
        bad = await a.post(
            "/inbox/canned",
            data={
                "csrf": _csrf(page.text),
                "account_id": "*",
                "lang": "de",
                "title": title,
                "body": "Hi {nme}",
            },
        )
        assert bad.status_code == 422 and "unknown variable" in bad.text
        saved = await a.post(
            "/inbox/canned",
            data={
                "csrf": _csrf(page.text),
                "account_id": "*",
                "lang": "de",
                "title": title,
                "body": body,
            },
        )
        assert saved.status_code == 303
        thread = await b.get(f"/inbox/threads/{ex.thread_id}")
        assert (
            "Hallo Jane Doe, hier ist das Team von acc-1. Ihre Vorgangsnummer: SC-" in thread.text
        )


async def test_a_supervisor_records_the_police_decision_and_it_joins_the_evidence(
    app: object, engine: AsyncEngine, redis: Redis, app_settings: Settings
) -> None:
    ex = await _seed(engine, redis, StreamNames(app_settings.stream_prefix))
    agent, supervisor = await _person(engine, "agent"), await _person(engine, "supervisor")
    async with _client(app) as a, _client(app) as s:
        await _login(a, agent)
        page = await a.get(f"/inbox/threads/{ex.thread_id}")
        assert 'id="police-form"' not in page.text, "agents do not see the form"
        refused = await a.post(
            f"/inbox/threads/{ex.thread_id}/police-report",
            data={"csrf": _csrf(page.text), "reported": "yes", "case_ref": "X-1"},
        )
        assert refused.status_code == 403
        assert (await a.get("/inbox/audit")).status_code == 403
        await _login(s, supervisor)
        page = await s.get(f"/inbox/threads/{ex.thread_id}")
        assert 'id="police-form"' in page.text
        done = await s.post(
            f"/inbox/threads/{ex.thread_id}/police-report",
            data={"csrf": _csrf(page.text), "reported": "no", "reason": "no concrete threat"},
        )
        assert done.status_code == 303
        evidence = await s.get(f"/inbox/threads/{ex.thread_id}/evidence.json")
        police = evidence.json()["police_report"]
        assert (police["reported"], police["reason"], police["decided_by"]) == (
            False,
            "no concrete threat",
            supervisor,
        )
        [command] = await _commands(redis, app_settings)
        assert command.kind == "resolve"
        audit = await s.get("/inbox/audit")
        assert audit.status_code == 200 and "police_report" in audit.text


async def test_mine_and_unassigned_queues_and_bulk_actions(
    app: object, engine: AsyncEngine, redis: Redis, app_settings: Settings
) -> None:
    names = StreamNames(app_settings.stream_prefix)
    first, second = await _seed(engine, redis, names), await _seed(engine, redis, names)
    name = await _person(engine, "agent")
    async with _client(app) as client:
        await _login(client, name)
        page = await client.get("/inbox/", params={"assigned": "unassigned"})
        assert first.thread_id in page.text and second.thread_id in page.text
        assert re.search(rf"{first.thread_id} · 1 [Mm]essage</small>", page.text)
        bulk = await client.post(
            "/inbox/bulk",
            data={
                "csrf": _csrf(page.text),
                "action": "assign_me",
                "thread": [first.thread_id, "facebook:unknown"],
            },
        )
        assert bulk.status_code == 303
        assert "assign_me%201/2%2C%201%20refused" in bulk.headers["location"]
        mine = await client.get("/inbox/", params={"assigned": "mine"})
        assert first.thread_id in mine.text and second.thread_id not in mine.text
        unassigned = await client.get("/inbox/", params={"assigned": "unassigned"})
        assert first.thread_id not in unassigned.text and second.thread_id in unassigned.text
        resolved = await client.post(
            "/inbox/bulk",
            data={"csrf": _csrf(page.text), "action": "resolve", "thread": [second.thread_id]},
        )
        assert resolved.status_code == 303
        [command] = await _commands(redis, app_settings)
        assert (command.kind, command.thread_id, command.agent) == (
            "resolve",
            second.thread_id,
            name,
        )


async def test_the_message_count_comes_from_the_comments_held_not_the_summary(
    app: object, engine: AsyncEngine, redis: Redis, app_settings: Settings
) -> None:
    """An action that overtook its decision left a placeholder summary counting 0 messages."""
    ex = await _seed(engine, redis, StreamNames(app_settings.stream_prefix))
    async with engine.begin() as conn:
        await conn.execute(
            update(ReportingExchangeRow)
            .where(ReportingExchangeRow.thread_id == ex.thread_id)
            .values(messages=0)
        )
    name = await _person(engine, "agent")
    async with _client(app) as client:
        await _login(client, name)
        page = await client.get("/inbox/", params={"q": ex.comment_id})
        assert f"{ex.thread_id} · 1 message</small>" in page.text.lower()  # ids are lowercase


async def test_undoing_a_colleagues_hide_from_the_inbox_is_a_supervisors_call(
    app: object, engine: AsyncEngine, redis: Redis, app_settings: Settings
) -> None:
    ex = await _seed(engine, redis, StreamNames(app_settings.stream_prefix))
    alex, robin, sam = [await _person(engine, r) for r in ("agent", "agent", "supervisor")]
    hide_id = f"agent:{uuid.uuid4().hex}"  # the outbox row of Alex's hide, as responder reports
    async with engine.begin() as conn:
        await conn.execute(
            insert(ReportingActionRow).values(
                action_id=hide_id,
                decision_id=hide_id,
                kind="hide",
                status="done",
                platform="facebook",
                account_id="acc-1",
                comment_id=ex.comment_id,
                thread_id=ex.thread_id,
                author_id="author-1",
                detail="",
                text=None,
                evidence=None,
                created_at=datetime.now(UTC),
            )
        )
    page_url, url = f"/inbox/threads/{ex.thread_id}", f"/inbox/threads/{ex.thread_id}/commands"
    async with _client(app) as client:
        await _login(client, alex)
        page = await client.get(page_url)
        hid = await client.post(
            f"{page_url}/moderation", data={"csrf": _csrf(page.text), "action": "hide"}
        )
        assert hid.status_code == 303, hid.text
    sent_before = len(await _commands(redis, app_settings))
    async with _client(app) as client:
        await _login(client, robin)
        csrf = _csrf((await client.get(page_url)).text)
        refused = await client.post(
            url, data={"csrf": csrf, "kind": "undo_hide", "action_id": hide_id}
        )
        assert refused.status_code == 403
        assert f"{alex} hid this comment" in refused.text and "supervisor" in refused.text
        assert len(await _commands(redis, app_settings)) == sent_before, "nothing published"
    async with _client(app) as client:
        await _login(client, sam)
        csrf = _csrf((await client.get(page_url)).text)
        done = await client.post(
            url, data={"csrf": csrf, "kind": "undo_hide", "action_id": hide_id}
        )
        assert done.status_code == 303, done.text
    assert [c.kind for c in await _commands(redis, app_settings)][-1] == "undo_hide"
