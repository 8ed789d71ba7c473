"""Webhooks end to end against a local receiver: enqueued with the event, signed, retried with
backoff, dead-lettered when the receiver keeps failing, and sent again by a supervisor."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.reporting.domain.notifications import Addressing
from services.reporting.domain.summary import RiskConfig
from services.reporting.domain.workspace import Refused
from services.reporting.use_cases.decisions import DecisionHandler
from services.reporting.use_cases.notifications import NotificationLog, NotificationSender
from services.reporting.use_cases.timers import TimerHandler
from shared.accounts import Account, AccountDirectory, Webhook
from shared.contracts import DecisionMade, SlaTimerEvent
from shared.db.models import ReportingAuditRow, ReportingNotificationRow
from shared.db.session import make_sessionmaker
from shared.notifications import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)
from shared.people import Principal
from shared.settings import Settings
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.fakes.server import ServerThread
from tests.reporting.integration.factories import Exchange, at

pytestmark = pytest.mark.integration

SECRET = "receiver-shared-secret"
SUPERVISOR = Principal("sam", "supervisor", "agent")
AGENT = Principal("alex", "agent", "agent")


@dataclass
class Receiver:
    """A team's endpoint: checks every signature, answers as each path is told to."""

    received: list[tuple[str, dict[str, str], dict[str, object]]] = field(default_factory=list)
    failures_left: dict[str, int] = field(default_factory=dict)
    """path -> how many more requests it answers 503."""
    bad_signatures: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/{name}")
        async def hook(name: str, request: Request) -> Response:
            body = await request.body()
            h = request.headers
            if not verify(
                SECRET, h[TIMESTAMP_HEADER], body, h[SIGNATURE_HEADER], now_s=time.time()
            ):
                self.bad_signatures += 1
                return Response(status_code=401)
            if self.failures_left.get(name, 0) > 0:
                self.failures_left[name] -= 1
                return Response("receiver is down", status_code=503)
            headers = {k: h[k] for k in (EVENT_HEADER, DELIVERY_HEADER)}
            self.received.append((name, headers, json.loads(body)))
            return Response(status_code=204)

        return app

    def to(self, name: str) -> list[dict[str, object]]:
        return [body for hook, _h, body in self.received if hook == name]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    r = Receiver()
    with ServerThread(r.app()) as server:
        yield r, server.url


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Rig:
    receiver: Receiver
    sessions: async_sessionmaker[AsyncSession]
    decisions: DecisionHandler
    timers: TimerHandler
    sender: NotificationSender
    log: NotificationLog
    clock: Clock
    account_id: str

    async def rounds(self, n: int, gap_s: float = 30.0) -> None:
        for _ in range(n):
            await self.sender.send_due()
            self.clock.advance(gap_s)


@pytest.fixture
async def rig(
    receiver: tuple[Receiver, str], engine: AsyncEngine, redis: Redis, settings: Settings
) -> AsyncIterator[Rig]:
    r, url = receiver
    account_id = f"acc-{uuid.uuid4().hex[:8]}"
    account = Account(
        platform="facebook",
        account_id=account_id,
        name="Demo Page",
        webhooks=[
            Webhook.model_validate(
                {"name": "slack", "url": f"{url}/hooks/slack", "secret": SECRET}
            ),
            Webhook.model_validate(
                {
                    "name": "pager",
                    "url": f"{url}/hooks/pager",
                    "secret": SECRET,
                    "events": ["threat"],
                }
            ),
        ],
    )
    directory = AccountDirectory([account], accept_unknown=False)
    s = settings.model_copy(
        update={"notify_max_attempts": 3, "notify_retry_base_s": 2.0, "notify_retry_cap_s": 8.0}
    )
    sessions = make_sessionmaker(engine)
    clock = Clock()
    notify = Addressing.of(directory, "https://support.example.com")
    config = RiskConfig(threshold=50.0, rearm=35.0, window=timedelta(minutes=120))
    publisher = EventPublisher(redis, maxlen=10_000)
    alerts = StreamNames(settings.stream_prefix).alerts
    async with httpx.AsyncClient() as client:
        yield Rig(
            r,
            sessions,
            DecisionHandler(sessions, publisher, alerts, config, notify, clock),
            TimerHandler(sessions, notify, clock),
            NotificationSender(sessions, directory, s, client, clock=clock, jitter=lambda: 0.0),
            NotificationLog(sessions, clock),
            clock,
            account_id,
        )


def _threat(ex: Exchange, account_id: str) -> DecisionMade:
    d = ex.decision()
    return d.model_copy(
        update={
            "account_id": account_id,
            "comment": d.comment.model_copy(update={"account_id": account_id}),
            "labels": ["threat"],
            "scores": {"threat": 0.93},
            "rule_id": "R7",
            "category": None,
            "sla_due_at": None,
        }
    )


def _breached(ex: Exchange, account_id: str, status: str = "breached") -> SlaTimerEvent:
    return SlaTimerEvent(
        event_id=f"timer-{uuid.uuid4().hex}",
        occurred_at=at(61),
        correlation_id=ex.thread_id,
        account_id=account_id,
        timer_id=uuid.uuid4().hex[:12],
        kind="sla",
        status=status,
        thread_id=ex.thread_id,
        platform="facebook",
        decision_id="d1",
        comment_id=ex.comment_id,
        category="complaint.product",
        started_at=at(0),
        due_at=at(60),
    )


async def _rows(rig: Rig) -> dict[str, ReportingNotificationRow]:
    async with rig.sessions() as session:
        rows = await session.scalars(
            select(ReportingNotificationRow).where(
                ReportingNotificationRow.account_id == rig.account_id
            )
        )
        return {r.webhook + ":" + r.kind: r for r in rows}


async def test_a_threat_and_a_breach_reach_each_subscribed_webhook_once_signed(rig: Rig) -> None:
    ex = Exchange.new()
    threat = _threat(ex, rig.account_id)
    await rig.decisions([Delivery("1-0", threat)])
    await rig.decisions([Delivery("1-0", threat)])  # redelivered: no second notice
    await rig.timers([Delivery("2-0", _breached(ex, rig.account_id))])
    await rig.timers([Delivery("3-0", _breached(ex, rig.account_id, "met"))])  # not notified
    rig.receiver.failures_left["pager"] = 2

    await rig.rounds(4)

    assert rig.receiver.bad_signatures == 0
    slack = rig.receiver.to("slack")
    assert sorted(str(b["event"]) for b in slack) == ["sla_breached", "threat"]
    assert [b["event"] for b in rig.receiver.to("pager")] == ["threat"]
    [threat_body] = [b for b in slack if b["event"] == "threat"]
    assert threat_body["thread_id"] == ex.thread_id
    assert str(threat_body["text"]).startswith(":rotating_light: *Threat* on Demo Page")
    assert "My order never arrived" not in json.dumps(threat_body)
    delivery_ids = [h[DELIVERY_HEADER] for _n, h, _b in rig.receiver.received]
    assert len(delivery_ids) == len(set(delivery_ids)) == 3
    rows = await _rows(rig)
    assert {k: (r.status, r.attempts) for k, r in rows.items()} == {
        "slack:threat": ("delivered", 1),
        "slack:sla_breached": ("delivered", 1),
        "pager:threat": ("delivered", 3),
    }


async def test_a_receiver_that_keeps_failing_is_dead_lettered_then_sent_again(rig: Rig) -> None:
    ex = Exchange.new()
    await rig.decisions([Delivery("1-0", _threat(ex, rig.account_id))])
    rig.receiver.failures_left["pager"] = 10

    await rig.rounds(5)

    rows = await _rows(rig)
    dead = rows["pager:threat"]
    assert (dead.status, dead.attempts, dead.last_status) == ("dead", 3, 503)
    assert dead.last_error is not None and "HTTP 503" in dead.last_error
    assert rows["slack:threat"].status == "delivered"
    assert rig.receiver.to("pager") == []

    with pytest.raises(Refused, match="only a supervisor"):
        await rig.log.deliveries(AGENT, "dead", 100)
    listed = await rig.log.deliveries(SUPERVISOR, "dead", 1_000)
    assert dead.delivery_id in {d["delivery_id"] for d in listed}

    rig.receiver.failures_left["pager"] = 0
    await rig.log.send_again(SUPERVISOR, dead.delivery_id)
    await rig.rounds(1)
    assert [b["event"] for b in rig.receiver.to("pager")] == ["threat"]
    assert (await _rows(rig))["pager:threat"].status == "delivered"
    async with rig.sessions() as session:
        audited = await session.scalar(
            select(ReportingAuditRow).where(ReportingAuditRow.target == dead.delivery_id)
        )
    assert audited is not None and (audited.actor, audited.action) == (
        "sam",
        "notification.send_again",
    )
