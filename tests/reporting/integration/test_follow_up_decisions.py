"""Decisions that follow up a message (R11 at an alert, R10.reply) are not new messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.adapters.signals import ReportingRepository
from services.reporting.domain.summary import RiskConfig
from services.reporting.use_cases.decisions import DecisionHandler
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.reporting.integration.factories import Exchange

pytestmark = pytest.mark.integration


async def test_follow_ups_keep_the_message_count_and_the_history(
    engine: AsyncEngine, redis: Redis, settings: Settings
) -> None:
    sessions = make_sessionmaker(engine)
    handler = DecisionHandler(
        sessions,
        EventPublisher(redis, maxlen=10_000),
        StreamNames(settings.stream_prefix).alerts,
        RiskConfig(threshold=50.0, rearm=35.0, window=timedelta(minutes=120)),
    )
    ex = Exchange.new()
    first = ex.decision(minutes=1)
    escalation = first.model_copy(
        update={"decision_id": "alert-r11", "rule_id": "R11", "trigger": "escalation_alert"}
    )
    follow_up = first.model_copy(
        update={"decision_id": "r10-reply", "rule_id": "R10.reply", "trigger": "community_window"}
    )
    await handler([Delivery("1-0", first)])
    await handler([Delivery("2-0", escalation), Delivery("3-0", follow_up)])
    await handler([Delivery("4-0", escalation)])  # a batch of follow-ups only
    async with sessions() as session:
        summary = (await ReportingRepository(session).summaries({ex.thread_id}))[ex.thread_id]
    assert summary.messages == 1
