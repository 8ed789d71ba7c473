"""Retry limits, a 5xx after a post went through, and the draft approval API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.responder.use_cases.http_drafts import drafts_router
from shared.db.models import ActionRow
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.consumer import Delivery
from tests.fakes.platforms.common import Fault
from tests.responder.integration.harness import (
    Clock,
    Fake,
    Rig,
    accounts,
    decision_on,
    platform_settings,
    rig,
    start_fakes,
)

pytestmark = pytest.mark.integration
KEY = "test-responder-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, Fake]]:
    yield from start_fakes()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


def _wire(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
    mode: str = "auto",
) -> Rig:
    for fake in fakes.values():
        fake.reset()
    return rig(platform_settings(settings, fakes), engine, redis, accounts(mode), Clock(), http)


async def _row(engine: AsyncEngine, action_id: str) -> ActionRow:
    async with make_sessionmaker(engine)() as session:
        row = await session.get(ActionRow, action_id)
        assert row is not None
        return row


@pytest.mark.parametrize("platform", ["facebook", "instagram", "x", "youtube"])
async def test_a_reply_answered_5xx_after_it_went_through_is_found_not_reposted(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
    platform: str,
) -> None:
    wired = _wire(settings, engine, redis, fakes, http)
    fake = fakes[platform]
    fake.state.inject(Fault(**{**fake.server_error().__dict__, "perform": True}))
    d = decision_on(fake, "reply")
    await wired.handler.handle([Delivery("1-0", d)])
    assert (await _row(engine, d.actions[0].action_id)).status == "in_flight"
    wired.clock.advance(60)
    await wired.driver.drive_due()
    row = await _row(engine, d.actions[0].action_id)
    assert row.status == "done" and "not posted again" in row.detail
    assert len(fake.state.writes()) == 1


async def test_an_action_that_keeps_failing_ends_failed_and_is_published(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
) -> None:
    wired = _wire(settings, engine, redis, fakes, http)
    fake = fakes["facebook"]
    fake.state.inject(fake.server_error(), times=10)
    d = decision_on(fake, "hide")
    await wired.handler.handle([Delivery("1-0", d)])
    for _ in range(5):
        wired.clock.advance(60)
        await wired.driver.drive_due()
    row = await _row(engine, d.actions[0].action_id)
    assert (row.status, row.attempts) == ("failed", 4)
    assert row.detail.startswith("gave up after 4 attempts") and "Graph error 2" in row.detail
    assert fake.state.writes() == [] and len(fake.state.seen) == 4


def _api(wired: Rig, engine: AsyncEngine) -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(
        drafts_router(
            sessions=make_sessionmaker(engine),
            driver=wired.driver,
            accounts=accounts("approve"),
            keys=[SecretStr(KEY)],
            clock=wired.clock,
        )
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://responder")


async def test_drafts_wait_for_an_agent_and_are_performed_exactly_once(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
) -> None:
    wired = _wire(settings, engine, redis, fakes, http, mode="approve")
    fake = fakes["facebook"]
    d, other = decision_on(fake, "reply"), decision_on(fake, "reply")
    await wired.handler.handle([Delivery("1-0", d), Delivery("2-0", other)])
    action_id = d.actions[0].action_id
    assert (await _row(engine, action_id)).status == "awaiting_approval"
    assert fake.state.writes() == []
    async with _api(wired, engine) as api:
        assert (await api.get("/v1/drafts")).status_code == 401
        assert (
            await api.get("/v1/drafts", headers={"Authorization": "Bearer nope"})
        ).status_code == 401
        listed = (await api.get("/v1/drafts", headers=AUTH)).json()
        assert {action_id, other.actions[0].action_id} <= {x["action_id"] for x in listed}
        rude = await api.post(
            f"/v1/drafts/{action_id}/approve",
            headers=AUTH,
            json={"text": "Calm down, that is not our fault."},
        )
        assert rude.status_code == 422 and rude.json()["detail"]["reasons"]
        edited = "Hi Jane, we are sorry and will replace your kettle. Your Steam-Connect team"
        first = await api.post(
            f"/v1/drafts/{action_id}/approve", headers=AUTH, json={"text": edited}
        )
        assert first.status_code == 200 and first.json()["status"] == "done"
        again = await api.post(f"/v1/drafts/{action_id}/approve", headers=AUTH)
        assert again.status_code == 409
        assert again.json()["detail"]["outcome"]["platform_ref"] == first.json()["platform_ref"]
        gone = await api.post(f"/v1/drafts/{other.actions[0].action_id}/discard", headers=AUTH)
        assert gone.json()["status"] == "skipped"
        assert (
            await api.post(f"/v1/drafts/{other.actions[0].action_id}/approve", headers=AUTH)
        ).status_code == 409
    [post] = fake.state.writes()
    assert post.form == {"message": edited}
    assert (await _row(engine, other.actions[0].action_id)).status == "skipped"
