"""The read API end to end over the real database, inside the app's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.bootstrap import create_app
from services.reporting.use_cases.comments import CommentHistoryHandler
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from tests.reporting.integration.factories import (
    Exchange,
    deliveries,
    store_actions,
    store_decision,
)

pytestmark = pytest.mark.integration

AUTH = {"Authorization": "Bearer test-reporting-key"}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as c:
            yield c


@pytest.fixture
async def exchange(engine: AsyncEngine) -> Exchange:
    """A comment created, edited and removed, decided on by triage and acted on by responder."""
    ex = Exchange.new()
    await CommentHistoryHandler(make_sessionmaker(engine))(deliveries(ex.story()))
    decision = ex.decision()
    await store_decision(engine, decision)
    await store_actions(engine, decision)
    return ex


async def test_thread_timeline_tells_the_whole_exchange_in_order(
    client: httpx.AsyncClient, exchange: Exchange
) -> None:
    response = await client.get(f"/v1/threads/{exchange.thread_id}", headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["thread_id"], body["platform"], body["account_id"]) == (
        exchange.thread_id,
        "facebook",
        "acc-1",
    )
    timeline = body["timeline"]
    assert [(e["type"], e.get("status")) for e in timeline] == [
        ("comment", None),
        ("decision", None),
        ("action", "pending"),
        ("action", "done"),
        ("comment_edited", None),
        ("comment_removed", None),
    ]
    assert timeline[0]["text"] == "My order never arrived"
    assert timeline[0]["author"] == {"id": "author-1", "name": "Jane Doe"}
    decision = timeline[1]
    assert decision["rule_id"] == "R1"
    assert decision["labels"] == ["complaint.product"]
    assert [a["kind"] for a in decision["actions"]] == ["reply", "flag_for_human"]
    assert decision["sla_due_at"].startswith("2026-11-24T10:01:00")
    reply = timeline[3]
    assert (reply["kind"], reply["platform_ref"]) == ("reply", "fb-reply-77")
    assert reply["text"].startswith("We're sorry!")
    assert timeline[5]["text"] == "My order never arrived!! Scam!"
    [message] = body["messages"]
    assert (message["status"], message["text"]) == ("removed", "My order never arrived!! Scam!")
    assert [(h["change"], h["text"]) for h in message["history"]] == [
        ("created", "My order never arrived"),
        ("edited", "My order never arrived!! Scam!"),
        ("removed", "My order never arrived!! Scam!"),
    ]


async def test_comment_view_has_labels_decision_and_actions(
    client: httpx.AsyncClient, exchange: Exchange
) -> None:
    response = await client.get(f"/v1/comments/facebook/{exchange.comment_id}", headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["thread_id"] == exchange.thread_id
    assert body["comment"]["status"] == "removed"
    assert body["comment"]["text"] == "My order never arrived!! Scam!"
    assert (body["lang"], body["labels"]) == ("en", ["complaint.product"])
    assert body["scores"]["complaint.product"] == pytest.approx(0.93)
    assert body["decision"]["rule_id"] == "R1"
    assert body["decision"]["policy_version"] == "2026-11-24"
    assert sorted((a["kind"], a["status"]) for a in body["actions"]) == [
        ("flag_for_human", "pending"),
        ("reply", "done"),
    ]


async def test_comment_known_only_from_a_decision_is_answered_from_its_event(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ex = Exchange.new()
    await store_decision(engine, ex.decision())
    response = await client.get(f"/v1/comments/facebook/{ex.comment_id}", headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["comment"]["text"] == "My order never arrived"
    assert body["decision"]["rule_id"] == "R1"
    assert body["actions"] == []
    thread = await client.get(f"/v1/threads/{ex.thread_id}", headers=AUTH)
    assert [e["type"] for e in thread.json()["timeline"]] == ["comment", "decision"]


async def test_unknown_thread_and_comment_are_404_json(client: httpx.AsyncClient) -> None:
    thread = await client.get("/v1/threads/facebook:0_0", headers=AUTH)
    assert thread.status_code == 404
    assert "facebook:0_0" in thread.json()["detail"]
    comment = await client.get("/v1/comments/facebook/nope", headers=AUTH)
    assert comment.status_code == 404
    assert "facebook:nope" in comment.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-key"}, {"Authorization": "Basic dGVzdDp0ZXN0"}],
    ids=["missing", "wrong-key", "not-bearer"],
)
async def test_api_refuses_requests_without_a_valid_key(
    client: httpx.AsyncClient, exchange: Exchange, headers: dict[str, str]
) -> None:
    for path in (
        f"/v1/threads/{exchange.thread_id}",
        f"/v1/comments/facebook/{exchange.comment_id}",
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 401
        assert "detail" in response.json()
        assert response.headers["www-authenticate"] == "Bearer"


async def test_health_and_metrics_stay_open(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["database"] == "ok"
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert "sc_reporting_comments_total" in metrics.text


async def test_openapi_documents_the_response_models_and_the_bearer_scheme(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert {"/v1/threads/{thread_id}", "/v1/comments/{platform}/{comment_id}"} <= set(
        schema["paths"]
    )
    assert {"ThreadView", "CommentView", "DecisionEntry"} <= set(schema["components"]["schemas"])
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
