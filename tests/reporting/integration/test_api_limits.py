"""Reporting's API under load: bodies capped (413 naming the cap), each key rate-limited (429)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from services.reporting.bootstrap import create_app
from shared.settings import Settings
from shared.streams.names import StreamNames

pytestmark = pytest.mark.integration

FIRST = {"Authorization": "Bearer first-key-0123"}
SECOND = {"Authorization": "Bearer second-key-0123"}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    keys = [SecretStr("agent:first:first-key-0123"), SecretStr("agent:second:second-key-0123")]
    limited = settings.model_copy(
        update={
            "reporting_api_keys": keys,
            "api_rate_limit": "4/minute",
            "http_max_body_bytes": 32 * 1024,
        }
    )
    app = create_app(limited)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as c:
            yield c


async def test_a_key_over_its_rate_gets_429_while_another_key_goes_on(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(4):
        assert (await client.get("/v1/threads/nope", headers=FIRST)).status_code == 404
    refused = await client.get("/v1/threads/nope", headers=FIRST)
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["retry_after_s"] == int(refused.headers["Retry-After"])
    assert "API_RATE_LIMIT" in refused.json()["detail"]
    assert (await client.get("/v1/threads/nope", headers=SECOND)).status_code == 404
    metrics = (await client.get("/metrics")).text  # outside /v1: not counted
    assert 'sc_http_refused_total{service="reporting",status="429"}' in metrics


async def test_an_oversized_body_is_413_and_publishes_nothing(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    note = {"text": "x" * 40_000}
    response = await client.post("/v1/threads/t1/notes", json=note, headers=SECOND)
    assert response.status_code == 413, response.text
    assert "accepts at most 32 KiB (32768 bytes)" in response.json()["detail"]
    assert await redis.xlen(StreamNames(settings.stream_prefix).commands) == 0
