"""The scheduled weekly report: posted once to the account's webhook, signed; retried when the
receiver fails; never sent twice (real Redis and PostgreSQL, a local receiver)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pypdfium2
import pytest
from fastapi import FastAPI, Request, Response
from pydantic import ValidationError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.adapters.reports import ReportQueries
from services.reporting.use_cases.weekly_delivery import WeeklyDelivery
from services.reporting.use_cases.weekly_report import WeeklyReports
from shared.accounts import Account, AccountDirectory
from shared.db.session import make_sessionmaker
from shared.notifications import EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from shared.settings import Settings
from shared.streams.names import StreamNames
from tests.fakes.server import ServerThread

pytestmark = pytest.mark.integration
SECRET = "weekly-report-secret-0123"


@dataclass
class Mailroom:
    """A mail relay's HTTP endpoint: checks the signature, can be told to fail."""

    files: list[tuple[str, bytes]] = field(default_factory=list)
    fail_next: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/relay")
        async def relay(request: Request) -> Response:
            body, h = await request.body(), request.headers
            if not verify(
                SECRET, h[TIMESTAMP_HEADER], body, h[SIGNATURE_HEADER], now_s=time.time()
            ):
                return Response(status_code=401)
            if self.fail_next:
                self.fail_next -= 1
                return Response(status_code=503)
            self.files.append((h[EVENT_HEADER], body))
            return Response(status_code=202)

        return app


@pytest.fixture
def mailroom() -> Iterator[tuple[Mailroom, str]]:
    room = Mailroom()
    with ServerThread(room.app()) as server:
        yield room, server.url


def account(url: str, **plan: object) -> Account:
    return Account.model_validate(
        {
            "platform": "facebook",
            "account_id": f"acc-{uuid.uuid4().hex[:8]}",
            "name": "Nova Shop",
            "language": "de",
            "webhooks": [{"name": "relay", "url": f"{url}/relay", "secret": SECRET}],
            "weekly_report": {"webhook": "relay", "weekday": "mon", "at": "08:00", **plan},
        }
    )


def test_a_schedule_must_name_one_of_the_accounts_webhooks() -> None:
    with pytest.raises(ValidationError, match="names none of the account's webhooks"):
        Account.model_validate(
            {"platform": "x", "account_id": "a", "weekly_report": {"webhook": "mail"}}
        )


async def test_last_weeks_report_is_sent_once_after_monday_morning_and_retried_on_failure(
    mailroom: tuple[Mailroom, str], engine: AsyncEngine, redis: Redis, settings: Settings
) -> None:
    room, url = mailroom
    acc = account(url)
    now = [datetime(2026, 11, 30, 6, 30, tzinfo=UTC)]  # Monday 07:30 in Berlin
    reports = WeeklyReports(
        ReportQueries(make_sessionmaker(engine)), AccountDirectory([acc], accept_unknown=False)
    )
    names = StreamNames(settings.stream_prefix)
    async with httpx.AsyncClient() as client:
        delivery = WeeklyDelivery(reports, redis, names, client, timeout_s=30, clock=lambda: now[0])
        key = names.key(f"weekly-report:facebook:{acc.account_id}:2026-W47")
        await redis.set(key, "sent")  # the week before went out last Monday
        assert await delivery.send_due() == []  # before 08:00: nothing new is due
        now[0] += timedelta(hours=1)  # 08:30 in Berlin
        room.fail_next = 1
        assert await delivery.send_due() == []  # the relay failed: no marker, tried again
        sent = await delivery.send_due()
        assert sent == [f"facebook:{acc.account_id}:2026-W48"]
        assert await delivery.send_due() == []  # once
    [(event, body)] = room.files
    assert event == "weekly_report"
    text = pypdfium2.PdfDocument(body)[0].get_textpage().get_text_range()
    assert "Wochenbericht · Nova Shop · 2026-W48" in text
    await redis.delete(key, names.key(f"weekly-report:facebook:{acc.account_id}:2026-W48"))
