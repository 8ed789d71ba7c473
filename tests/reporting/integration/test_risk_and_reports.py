"""Events on the real streams, consumed in the app's lifespan: queue, reports, alerts, metrics."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.bootstrap import create_app
from shared.contracts import (
    ActionCompleted,
    Author,
    Comment,
    DecisionMade,
    EscalationAlert,
    SlaTimerEvent,
    TimerStatus,
)
from shared.settings import Settings
from shared.streams.codec import DATA_FIELD
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher

pytestmark = pytest.mark.integration

AUTH = {"Authorization": "Bearer test-reporting-key"}
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


class World:
    """Events as triage and responder would publish them, for one test's own account."""

    def __init__(self) -> None:
        self.account = f"acc-{uuid.uuid4().hex[:8]}"

    def decision(
        self, thread: str, author: str, text: str, minute: float, *, category: str | None
    ) -> DecisionMade:
        cid = f"{thread}-{uuid.uuid4().hex[:6]}"
        scores = {category: 0.9} if category else {"positive": 0.9}
        return DecisionMade(
            occurred_at=at(minute),
            correlation_id=thread,
            account_id=self.account,
            decision_id=uuid.uuid4().hex,
            comment_event_id=uuid.uuid4().hex,
            comment=Comment(
                platform="facebook",
                account_id=self.account,
                comment_id=cid,
                post_id="post-1",
                thread_id=thread,
                author=Author(id=author, name=author),
                text=text,
                created_at=at(minute),
            ),
            lang="de",
            labels=list(scores),
            scores=scores,
            rule_id="R1" if category else "none",
            reason="test",
            policy_version="test",
            category=category,
            sla_due_at=at(minute + 60) if category else None,
            actions=[],
            improvement=category is not None,
        )

    def timer(self, d: DecisionMade, status: TimerStatus, minute: float) -> SlaTimerEvent:
        return SlaTimerEvent(
            event_id=uuid.uuid4().hex,
            occurred_at=at(minute),
            correlation_id=d.comment.thread_id,
            account_id=self.account,
            timer_id=f"timer-{d.decision_id}",
            kind="sla",
            status=status,
            thread_id=d.comment.thread_id,
            platform="facebook",
            decision_id=d.decision_id,
            comment_id=d.comment.comment_id,
            category=d.category,
            started_at=d.occurred_at,
            due_at=d.sla_due_at or d.occurred_at,
        )

    def reply(self, d: DecisionMade, minute: float) -> ActionCompleted:
        return ActionCompleted(
            occurred_at=at(minute),
            correlation_id=d.comment.thread_id,
            account_id=self.account,
            action_id=f"{d.decision_id}:reply",
            decision_id=d.decision_id,
            kind="reply",
            platform="facebook",
            comment_id=d.comment.comment_id,
            thread_id=d.comment.thread_id,
            status="done",
            performed_at=at(minute),
        )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"stream_stats_interval_s": 0.2}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as c:
            yield c


async def eventually(check: Callable[[], Awaitable[Any]], what: str) -> Any:
    """Polls until the consumers caught up (no timing assertion, just a generous bound)."""
    for _ in range(200):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.05)
    pytest.fail(f"reporting never caught up: {what}")


async def test_exchanges_reports_alerts_and_metrics_from_the_streams(
    client: httpx.AsyncClient, redis: Redis, settings: Settings, engine: AsyncEngine
) -> None:
    w, names = World(), StreamNames(settings.stream_prefix)
    publisher = EventPublisher(redis, 10_000)
    met = w.decision(
        f"{w.account}-met", "c1", "Meine Lieferung fehlt", 0, category="complaint.product"
    )
    late = w.decision(
        f"{w.account}-late", "c2", "Rechnung falsch", 10, category="complaint.product"
    )
    # A storm: five customers pile on in one exchange, three more open their own about the same.
    main = f"{w.account}-main"
    storm = [
        w.decision(main, f"s{i}", "Akku kaputt nach Update", 30 + i, category="complaint.product")
        for i in range(6)
    ] + [
        w.decision(
            f"{w.account}-s{i}",
            f"o{i}",
            "Mein Akku ist kaputt",
            31 + i,
            category="complaint.product",
        )
        for i in range(3)
    ]
    await publisher.publish([(names.decisions, d) for d in (met, late, *storm)])

    async def queue(**params: str) -> list[dict[str, Any]]:
        r = await client.get("/v1/threads", params={"account": w.account, **params}, headers=AUTH)
        assert r.status_code == 200, r.text
        body: list[dict[str, Any]] = r.json()
        return body

    await eventually(lambda: _has(queue, 6), "6 exchanges in the work queue")
    await publisher.publish(
        [
            (names.timers, w.timer(met, "started", 0)),
            (names.timers, w.timer(late, "started", 10)),
            (names.actions, w.reply(met, 20)),
            (names.timers, w.timer(met, "met", 20)),
            (names.timers, w.timer(late, "breached", 70)),
        ]
    )

    async def settled() -> list[dict[str, Any]]:
        items = await queue(status="any")
        states = {i["thread_id"]: i["sla_state"] for i in items}
        done = (
            states.get(met.comment.thread_id) == "met"
            and states.get(late.comment.thread_id) == "breached"
        )
        return items if done else []

    items = await eventually(settled, "timers and the reply folded in")
    by_thread = {i["thread_id"]: i for i in items}
    assert by_thread[met.comment.thread_id]["first_response_at"].startswith("2026-11-24T09:20")

    # The work queue: open first by deadline; the answered exchange waits on the customer.
    open_items = await queue(sort="sla_due")
    dues = [i["sla_due_at"] for i in open_items]
    assert dues == sorted(dues)
    [high] = await queue(risk="high")
    assert high["thread_id"] == main and high["risk_score"] >= settings.risk_alert_threshold
    reasons = [r["feature"] for r in high["risk_reasons"]]
    assert {"negative_authors", "storm", "velocity"} <= set(reasons)

    # The timeline carries the SLA events beside the decision (reporting's copy, from the stream).
    r = await client.get(f"/v1/threads/{late.comment.thread_id}", headers=AUTH)
    assert r.status_code == 200, r.text
    sla = [(e["status"], e["due_at"][:16]) for e in r.json()["timeline"] if e["type"] == "sla"]
    assert sla == [("started", "2026-11-24T10:10"), ("breached", "2026-11-24T10:10")]
    assert [e["type"] for e in r.json()["timeline"]] == ["comment", "decision", "sla", "sla"]

    # The SLA report, figures computed here independently: 1 met, 1 breached; one reply at 20 min.
    period = {"from": at(-60).isoformat(), "to": at(120).isoformat()}
    r = await client.get("/v1/reports/sla", params=period, headers=AUTH)
    assert r.status_code == 200, r.text
    [row] = [x for x in r.json()["rows"] if x["account_id"] == w.account]
    assert (row["exchanges"], row["met"], row["breached"]) == (6, 1, 1)
    assert (row["met_pct"], row["breached_pct"]) == (50.0, 50.0)
    assert row["first_response_p50_s"] == 20 * 60
    assert row["open_backlog"] == 6  # not resolved; the answered one awaits the customer
    r = await client.get("/v1/reports/sla", params=period, headers={**AUTH, "Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    assert f"{w.account},complaint.product,6,1,1,0,50.0,50.0,1200.0" in r.text

    # The improvement report ranks what customers complain about, by aspect and by exchange.
    r = await client.get("/v1/reports/improvement", params=period, headers=AUTH)
    topics = {t["topic"]: t for t in r.json()["topics"]}
    quality = topics["product_quality"]
    assert (quality["count"], quality["messages"]) == (4, 9)  # the storm's exchange once
    assert (topics["delivery"]["count"], topics["billing"]["count"]) == (1, 1)
    assert topics["billing"]["breached_share"] == 1.0  # the late one was about the bill
    assert set(quality["examples"]) == {"Akku kaputt nach Update", "Mein Akku ist kaputt"}

    # The storm raised one alert, on the exchange that heats up (hysteresis: once per crossing).
    entries = await redis.xrange(names.alerts) or []
    alerts = [EscalationAlert.model_validate_json(f[DATA_FIELD]) for _, f in entries if f]
    mine = [a for a in alerts if a.account_id == w.account]
    assert [a.thread_id for a in mine] == [main], "one alert, on the exchange that heats up"
    assert all(a.score >= settings.risk_alert_threshold and a.reasons for a in mine)

    metrics = await eventually(lambda: _metrics_ready(client), "stream gauges refreshed")
    for name in (
        "sc_reporting_comments_by_category_total",
        "sc_reporting_decisions_total",
        "sc_reporting_actions_total",
        "sc_reporting_sla_events_total",
        "sc_reporting_first_response_seconds_bucket",
        "sc_reporting_escalation_alerts_total",
        "sc_reporting_open_exchanges",
        "sc_stream_pending",
        "sc_dead_letter_length",
    ):
        assert name in metrics, name
    assert 'sc_stream_lag{group="reporting",stream="decisions"} 0.0' in metrics


async def _has(queue: Callable[..., Awaitable[list[dict[str, Any]]]], n: int) -> bool:
    return len(await queue(status="any")) == n


async def _metrics_ready(client: httpx.AsyncClient) -> str:
    text = (await client.get("/metrics")).text
    return text if 'stream="decisions"' in text and "sc_stream_lag{" in text else ""
