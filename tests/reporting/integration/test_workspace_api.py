"""The agents' workspace API over the real database and Redis: rights, bad input, what is
published (and that nothing is for a refused request), audit, corrections and feedback."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.adapters.people import People
from services.reporting.bootstrap import create_app
from services.reporting.use_cases.comments import CommentHistoryHandler
from shared.contracts import AgentCommand
from shared.db.session import make_sessionmaker
from shared.people import Principal
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.names import StreamNames
from tests.reporting.integration.factories import Exchange, deliveries, store_decision
from tests.streams import raw_entries

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": "Bearer test-reporting-key"}
AGENT = {"Authorization": "Bearer agent-key-0123"}
SUPERVISOR = {"Authorization": "Bearer super-key-0123"}
POLITE = "We are sorry your order is late. Could you send us your order number by message?"
RUDE = "Sie sind ein Idiot, lesen Sie doch einfach die FAQ."
OPERATOR = Principal("cli:test", "admin", "operator")
PASSWORD = "correct horse battery"


@pytest.fixture
def roles_settings(settings: Settings) -> Settings:
    keys = (
        "test-reporting-key",
        "agent:helpdesk-bot:agent-key-0123",
        "supervisor:lead-bot:super-key-0123",
    )
    return settings.model_copy(update={"reporting_api_keys": [SecretStr(k) for k in keys]})


@pytest.fixture
async def client(roles_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(roles_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as c:
            yield c


@pytest.fixture
async def exchange(engine: AsyncEngine) -> Exchange:
    ex = Exchange.new()
    await CommentHistoryHandler(make_sessionmaker(engine))(deliveries(ex.story()[:1]))
    await store_decision(engine, ex.decision())
    return ex


async def _commands(redis: Redis, settings: Settings) -> list[AgentCommand]:
    names = StreamNames(settings.stream_prefix)
    return [
        AgentCommand.model_validate(decode(fields))
        for _id, fields in raw_entries(await redis.xrange(names.commands))
    ]


async def test_a_reply_the_tone_guard_warns_about_needs_confirmation_and_nothing_is_sent(
    client: httpx.AsyncClient, exchange: Exchange, redis: Redis, roles_settings: Settings
) -> None:
    url = f"/v1/threads/{exchange.thread_id}/replies"
    warned = await client.post(url, json={"text": RUDE}, headers=AGENT)
    assert warned.status_code == 409, warned.text
    assert warned.json()["warnings"], warned.json()
    assert await _commands(redis, roles_settings) == []

    sent = await client.post(url, json={"text": POLITE}, headers=AGENT)
    assert sent.status_code == 202, sent.text
    [command] = await _commands(redis, roles_settings)
    assert (command.kind, command.agent, command.text) == ("reply", "helpdesk-bot", POLITE)
    assert command.target is not None and command.target.comment_id == exchange.comment_id
    assert sent.json()["action_id"] == command.manual_action_id
    assert command.tone_override is None


async def test_a_confirmed_override_and_a_colleagues_recent_reply_are_recorded(
    client: httpx.AsyncClient, exchange: Exchange, redis: Redis, roles_settings: Settings
) -> None:
    url = f"/v1/threads/{exchange.thread_id}/replies"
    forced = await client.post(url, json={"text": RUDE, "confirm": True}, headers=AGENT)
    assert forced.status_code == 202, forced.text
    [command] = await _commands(redis, roles_settings)
    assert command.tone_override and forced.json()["warnings"]

    second = await client.post(url, json={"text": POLITE, "private": True}, headers=SUPERVISOR)
    assert second.status_code == 409, second.text
    assert any("helpdesk-bot replied" in w for w in second.json()["warnings"])
    again = await client.post(
        url, json={"text": POLITE, "private": True, "confirm": True}, headers=SUPERVISOR
    )
    assert again.status_code == 202, again.text
    kinds = [c.kind for c in await _commands(redis, roles_settings)]
    assert kinds == ["reply", "private_reply"]

    audit = await client.get("/v1/audit", params={"thread_id": exchange.thread_id}, headers=ADMIN)
    rows = audit.json()
    assert [(r["actor"], r["action"]) for r in rows] == [
        ("helpdesk-bot", "reply"),
        ("lead-bot", "private_reply"),
    ]
    assert rows[0]["after"]["confirmed_warnings"]


@pytest.mark.parametrize("action", ["delete", "block_author", "unblock_author"])
async def test_an_agent_may_not_delete_or_block_and_nothing_is_published(
    client: httpx.AsyncClient,
    exchange: Exchange,
    redis: Redis,
    roles_settings: Settings,
    action: str,
) -> None:
    url = f"/v1/threads/{exchange.thread_id}/moderation"
    refused = await client.post(url, json={"action": action}, headers=AGENT)
    assert refused.status_code == 403, refused.text
    assert "supervisor" in refused.json()["detail"]
    assert await _commands(redis, roles_settings) == []
    done = await client.post(url, json={"action": action}, headers=SUPERVISOR)
    assert done.status_code == 202, done.text
    [command] = await _commands(redis, roles_settings)
    assert command.kind == action and command.target is not None
    assert command.target.author_id == "author-1"


async def test_unknown_threads_and_bad_bodies_are_refused_with_the_field(
    client: httpx.AsyncClient, exchange: Exchange, redis: Redis, roles_settings: Settings
) -> None:
    missing = await client.post(
        "/v1/threads/facebook:nope/replies", json={"text": POLITE}, headers=AGENT
    )
    assert missing.status_code == 404, missing.text
    url = f"/v1/threads/{exchange.thread_id}/moderation"
    bad = await client.post(url, json={"action": "explode"}, headers=AGENT)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "action"]
    empty = await client.post(
        f"/v1/threads/{exchange.thread_id}/replies", json={"text": ""}, headers=AGENT
    )
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "text"]
    other = await client.post(url, json={"action": "hide", "comment_id": "x"}, headers=AGENT)
    assert other.status_code == 404 and other.json()["field"] == "comment_id"
    no_key = await client.post(url, json={"action": "hide"})
    assert no_key.status_code == 401
    assert await _commands(redis, roles_settings) == []


async def test_unhiding_counts_as_the_correction_not_abuse(
    client: httpx.AsyncClient, exchange: Exchange
) -> None:
    url = f"/v1/threads/{exchange.thread_id}/moderation"
    done = await client.post(url, json={"action": "unhide"}, headers=AGENT)
    assert done.status_code == 202, done.text
    view = await client.get(f"/v1/comments/facebook/{exchange.comment_id}", headers=AGENT)
    [correction] = view.json()["corrections"]
    assert (correction["labels"], correction["source"]) == (["not:abuse"], "unhide")


async def test_corrections_are_shown_on_the_comment_and_exported_as_dataset_lines(
    client: httpx.AsyncClient, exchange: Exchange
) -> None:
    url = f"/v1/comments/facebook/{exchange.comment_id}/corrections"
    bad = await client.post(url, json={"labels": ["complaint.nonsense"]}, headers=AGENT)
    assert bad.status_code == 422 and bad.json()["field"] == "labels"
    made = await client.post(
        url,
        json={"labels": ["complaint.customer_service", "not:abuse"], "note": "rude, not abuse"},
        headers=AGENT,
    )
    assert made.status_code == 201, made.text
    assert made.json()["corrected_by"] == "helpdesk-bot"
    view = await client.get(f"/v1/comments/facebook/{exchange.comment_id}", headers=AGENT)
    [shown] = view.json()["corrections"]
    assert shown["labels"] == ["complaint.customer_service", "not:abuse"]
    missing = await client.post(
        "/v1/comments/facebook/nope/corrections", json={"labels": ["threat"]}, headers=AGENT
    )
    assert missing.status_code == 404

    feedback = await client.get("/v1/feedback", headers=AGENT)
    assert feedback.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(x) for x in feedback.content.splitlines()]
    mine = [x for x in lines if x["id"].startswith(f"facebook:{exchange.comment_id}:")]
    assert len(mine) == 1
    line = mine[0]
    assert (line["text"], line["lang"], line["complaint"], line["abuse"]) == (
        "My order never arrived",
        "en",
        True,
        False,
    )
    assert "threat" not in line  # the correction did not settle it
    later = await client.get(
        "/v1/feedback", params={"since": "2999-01-01T00:00:00Z"}, headers=AGENT
    )
    assert later.content == b""


async def test_assignment_notes_and_their_audit(
    client: httpx.AsyncClient, exchange: Exchange, engine: AsyncEngine
) -> None:
    name = f"sam-{uuid.uuid4().hex[:6]}"
    await People(make_sessionmaker(engine)).add(OPERATOR, name, "agent", PASSWORD)
    url = f"/v1/threads/{exchange.thread_id}/assignee"
    unknown = await client.put(url, json={"agent": "nobody-here"}, headers=AGENT)
    assert unknown.status_code == 422 and unknown.json()["field"] == "agent"
    assigned = await client.put(url, json={"agent": name}, headers=AGENT)
    assert assigned.json() == {"thread_id": exchange.thread_id, "agent": name}
    cleared = await client.put(url, json={"agent": None}, headers=AGENT)
    assert cleared.json()["agent"] is None

    notes = f"/v1/threads/{exchange.thread_id}/notes"
    note = await client.post(
        notes, json={"text": "Customer called the hotline too."}, headers=AGENT
    )
    assert note.status_code == 201, note.text
    listed = await client.get(notes, headers=AGENT)
    assert [n["text"] for n in listed.json()] == ["Customer called the hotline too."]

    refused = await client.get("/v1/audit", headers=AGENT)
    assert refused.status_code == 403 and "supervisor" in refused.json()["detail"]
    audit = await client.get(
        "/v1/audit",
        params={"thread_id": exchange.thread_id, "format": "ndjson"},
        headers=SUPERVISOR,
    )
    rows = [orjson.loads(x) for x in audit.content.splitlines()]
    assert [(r["action"], r["before"], r["after"]) for r in rows[:2]] == [
        ("assign", {"agent": None}, {"agent": name}),
        ("assign", {"agent": name}, {"agent": None}),
    ]
    assert rows[2]["action"] == "note"


async def test_a_police_report_decision_needs_a_supervisor_and_closes_the_case(
    client: httpx.AsyncClient, exchange: Exchange, redis: Redis, roles_settings: Settings
) -> None:
    url = f"/v1/threads/{exchange.thread_id}/police-report"
    refused = await client.post(url, json={"reported": True, "case_ref": "X"}, headers=AGENT)
    assert refused.status_code == 403
    incomplete = await client.post(url, json={"reported": True}, headers=SUPERVISOR)
    assert incomplete.status_code == 422 and incomplete.json()["field"] == "case_ref"
    assert await _commands(redis, roles_settings) == []
    done = await client.post(
        url, json={"reported": True, "case_ref": "LKA-2026-4711"}, headers=SUPERVISOR
    )
    assert done.status_code == 201, done.text
    assert (done.json()["case_ref"], done.json()["decided_by"]) == ("LKA-2026-4711", "lead-bot")
    [command] = await _commands(redis, roles_settings)
    assert (command.kind, command.thread_id) == ("resolve", exchange.thread_id)


async def test_an_inbox_session_works_the_api_with_its_csrf_token(
    client: httpx.AsyncClient, exchange: Exchange, engine: AsyncEngine
) -> None:
    name = f"alex-{uuid.uuid4().hex[:6]}"
    await People(make_sessionmaker(engine)).add(OPERATOR, name, "agent", PASSWORD)
    form = await client.get("/inbox/login")
    pre = re.search(r'name="pre" value="([^"]+)"', form.text)
    assert pre is not None
    signed = await client.post(
        "/inbox/login", data={"agent": name, "password": PASSWORD, "pre": pre.group(1)}
    )
    assert signed.status_code == 303, signed.text
    page = await client.get("/inbox/")
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text)
    assert csrf is not None
    url = f"/v1/threads/{exchange.thread_id}/moderation"
    forged = await client.post(url, json={"action": "hide"})
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    ok = await client.post(url, json={"action": "hide"}, headers={"X-CSRF-Token": csrf.group(1)})
    assert ok.status_code == 202, ok.text
    blocked = await client.post(
        url, json={"action": "block_author"}, headers={"X-CSRF-Token": csrf.group(1)}
    )
    assert blocked.status_code == 403
    assert f"{name} is signed in as agent" in blocked.json()["detail"]


async def test_notification_deliveries_are_for_supervisors_and_unknown_ones_are_404(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.get("/v1/notifications", headers=AGENT)
    assert refused.status_code == 403, refused.text
    assert "only a supervisor or above may read and resend" in refused.json()["detail"]
    listed = await client.get("/v1/notifications", params={"status": "dead"}, headers=SUPERVISOR)
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    bad = await client.get("/v1/notifications", params={"status": "lost"}, headers=SUPERVISOR)
    assert bad.status_code == 422 and "status" in bad.text
    missing = await client.post("/v1/notifications/no-such-delivery/send-again", headers=ADMIN)
    assert missing.status_code == 404 and "no-such-delivery" in missing.json()["detail"]


async def test_the_override_report_counts_what_agents_overrode_per_label_and_account(
    client: httpx.AsyncClient, exchange: Exchange
) -> None:
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    url = f"/v1/comments/facebook/{exchange.comment_id}/corrections"
    made = await client.post(url, json={"labels": ["not:complaint", "troll"]}, headers=AGENT)
    assert made.status_code == 201, made.text

    report = await client.get("/v1/feedback/overrides", params={"since": since}, headers=AGENT)
    assert report.status_code == 200, report.text
    rows = {(r["label"], r["account_id"]): r for r in report.json()}
    product = rows[("complaint.product", "acc-1")]  # the machine said so at 0.93
    assert (product["corrections"], product["removed_by_agents"], product["agreed"]) == (1, 1, 0)
    assert product["override_rate"] == 1.0
    assert product["suggested_threshold"] is not None and product["suggested_threshold"] > 0.93
    troll = rows[("troll", "acc-1")]  # scored 0.02, the agent says it applies
    assert (troll["added_by_agents"], troll["suggested_threshold"]) == (1, 0.02)
    assert rows[("complaint.social_media", "*")]["agreed"] == 1  # denied, and not given
    refused = await client.get("/v1/feedback/overrides", params={"since": "yesterday"})
    assert refused.status_code in (401, 422)
