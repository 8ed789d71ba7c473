"""Ingest over HTTP against the real Redis: what reaches the stream, and every refusal."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from redis.asyncio import Redis

from services.ingest.bootstrap import create_app
from shared.contracts import CommentReceived
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.names import StreamNames

pytestmark = pytest.mark.integration

AUTH = {"Authorization": "Bearer test-ingest-key"}


def comment(comment_id: str, parent_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "platform": "facebook",
        "account_id": "1001",
        "comment_id": comment_id,
        "post_id": "p1",
        "parent_id": parent_id,
        "author": {"id": "u1", "name": "Jane"},
        "text": "Mein Paket ist nie angekommen",
        "created_at": "2024-05-01T10:00:00+02:00",
    }
    raw.update(overrides)
    return raw


async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
            yield client


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(settings):
        yield c


async def stream_events(redis: Redis, settings: Settings) -> list[CommentReceived]:
    entries = await redis.xrange(StreamNames(settings.stream_prefix).comments) or []
    return [CommentReceived.model_validate(decode(cast(Any, fields))) for _id, fields in entries]


async def test_one_comment_is_accepted_and_published_decoded(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    response = await client.post("/v1/comments", json=comment("c1"), headers=AUTH)
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["ignored"]) == (1, 0, 0)
    (result,) = body["results"]
    assert result["status"] == "accepted" and result["thread_id"] == "facebook:c1"
    (event,) = await stream_events(redis, settings)
    assert event.event_id == result["event_id"]
    assert event.correlation_id == "facebook:c1"
    assert event.comment.text == "Mein Paket ist nie angekommen"
    assert event.comment.created_at.isoformat() == "2024-05-01T08:00:00+00:00"


async def test_a_list_is_accepted_in_order(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    batch = [comment(f"c{n}") for n in range(5)]
    response = await client.post("/v1/comments", json=batch, headers=AUTH)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 5
    events = await stream_events(redis, settings)
    assert [e.comment.comment_id for e in events] == [f"c{n}" for n in range(5)]


async def test_same_comment_twice_is_one_entry_and_a_duplicate(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    first = await client.post("/v1/comments", json=comment("c1"), headers=AUTH)
    again = await client.post("/v1/comments", json=[comment("c1"), comment("c1")], headers=AUTH)
    assert again.status_code == 202
    statuses = [r["status"] for r in again.json()["results"]]
    assert statuses == ["duplicate", "duplicate"]
    assert again.json()["results"][0]["event_id"] == first.json()["results"][0]["event_id"]
    assert len(await stream_events(redis, settings)) == 1


async def test_replies_share_the_root_thread_across_requests(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    await client.post("/v1/comments", json=comment("root", parent_id="p1"), headers=AUTH)
    await client.post("/v1/comments", json=comment("r1", parent_id="root"), headers=AUTH)
    response = await client.post("/v1/comments", json=comment("r2", parent_id="r1"), headers=AUTH)
    assert response.json()["results"][0]["thread_id"] == "facebook:root"
    events = await stream_events(redis, settings)
    assert {e.comment.thread_id for e in events} == {"facebook:root"}
    assert {e.correlation_id for e in events} == {"facebook:root"}


async def test_thread_mappings_expire_and_are_refreshed_when_seen_again(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    """Redis keeps a comment's thread for THREAD_TTL_S, not forever."""
    names = StreamNames(settings.stream_prefix)
    await client.post("/v1/comments", json=comment("root", parent_id="p1"), headers=AUTH)
    await client.post("/v1/comments", json=comment("r1", parent_id="root"), headers=AUTH)
    key = names.key("thread:facebook:r1")
    assert await redis.get(key) == b"facebook:root"
    assert 0 < await redis.ttl(key) <= settings.thread_ttl_s
    await redis.expire(key, 60)
    again = comment("r1", parent_id="root")
    duplicate = await client.post("/v1/comments", json=again, headers=AUTH)
    assert duplicate.json()["results"][0]["status"] == "duplicate"
    assert await redis.ttl(key) > 60
    await redis.delete(key)  # as if it had expired: a reply to r1 is filed under r1
    late = await client.post("/v1/comments", json=comment("r2", parent_id="r1"), headers=AUTH)
    assert late.json()["results"][0]["thread_id"] == "facebook:r1"
    assert await redis.exists(names.key("threads")) == 0


async def test_own_comment_is_not_published_but_replies_to_it_join_the_thread(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    own = comment("page-answer", parent_id="root", author={"id": "1001", "name": "Page"})
    batch = [comment("root"), own, comment("r2", parent_id="page-answer")]
    response = await client.post("/v1/comments", json=batch, headers=AUTH)
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["accepted", "own_comment", "accepted"]
    assert body["ignored"] == 1
    events = await stream_events(redis, settings)
    assert [e.comment.comment_id for e in events] == ["root", "r2"]
    later = await client.post("/v1/comments", json=comment("r3", "page-answer"), headers=AUTH)
    assert later.json()["results"][0]["thread_id"] == "facebook:root"


async def test_malformed_comment_names_the_field_and_publishes_nothing(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    bad = comment("c2", author={"id": "u2"})
    response = await client.post("/v1/comments", json=[comment("c1"), bad], headers=AUTH)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid comment"
    assert {"index": 1, "field": "author.name", "message": "required field is missing"} in body[
        "details"
    ]
    assert await stream_events(redis, settings) == []
    naive = await client.post(
        "/v1/comments", json=comment("c3", created_at="2024-05-01T10:00:00"), headers=AUTH
    )
    assert naive.status_code == 422
    assert naive.json()["details"][0]["field"] == "created_at"


async def test_malformed_json_and_oversized_batches_are_json_errors(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    broken = await client.post("/v1/comments", content=b'{"platform": ', headers=headers)
    assert broken.status_code == 400
    assert broken.json()["error"] == "malformed JSON"
    too_many = [comment(f"c{n}") for n in range(settings.ingest_max_batch + 1)]
    large = await client.post("/v1/comments", json=too_many, headers=AUTH)
    assert large.status_code == 413
    assert "limit" in large.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-ingest-key"}],
    ids=["missing", "wrong", "not-bearer"],
)
async def test_bad_or_missing_key_is_401(
    client: httpx.AsyncClient, redis: Redis, settings: Settings, headers: dict[str, str]
) -> None:
    response = await client.post("/v1/comments", json=comment("c1"), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert "test-ingest-key" not in response.text
    assert await stream_events(redis, settings) == []


async def test_unknown_account_is_422_when_not_accepted(settings: Settings, redis: Redis) -> None:
    strict = settings.model_copy(update={"accept_unknown_accounts": False})
    async for client in _client(strict):
        known = await client.post("/v1/comments", json=comment("c1"), headers=AUTH)
        assert known.status_code == 202
        unknown = await client.post(
            "/v1/comments", json=[comment("c2"), comment("c3", account_id="999")], headers=AUTH
        )
        assert unknown.status_code == 422
        (detail,) = unknown.json()["details"]
        assert (detail["index"], detail["field"]) == (1, "account_id")
        assert "'999'" in detail["message"] and "not configured" in detail["message"]
    assert [e.comment.comment_id for e in await stream_events(redis, settings)] == ["c1"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_redis_down_is_503_not_500(settings: Settings) -> None:
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{_closed_port()}/0"})
    async for client in _client(down):
        response = await client.post("/v1/comments", json=comment("c1"), headers=AUTH)
        assert response.status_code == 503
        assert response.json()["error"] == "storage unavailable"
        health = await client.get("/healthz")
        assert health.status_code == 503


def _sample(metrics_text: str, name: str, labels: dict[str, str]) -> float:
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


async def test_healthz_and_metrics_show_the_counters(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    accepted = {"platform": "youtube", "outcome": "accepted"}
    auth = {"reason": "auth"}
    before = (await client.get("/metrics")).text
    await client.post("/v1/comments", json=comment("c1", platform="youtube"), headers=AUTH)
    await client.post("/v1/comments", json=comment("c2"))
    after = (await client.get("/metrics")).text
    name = "sc_ingest_comments_total"
    assert _sample(after, name, accepted) == _sample(before, name, accepted) + 1
    rejections = "sc_ingest_rejections_total"
    assert _sample(after, rejections, auth) == _sample(before, rejections, auth) + 1


async def test_failed_append_leaves_no_dedupe_key_so_a_retry_publishes(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    names = StreamNames(settings.stream_prefix)
    await redis.set(names.comments, "not a stream")  # XADD now fails with WRONGTYPE
    failed = await client.post("/v1/comments", json=comment("c1"), headers=AUTH)
    assert failed.status_code == 503
    assert await redis.keys(names.key("dedupe:*")) == []
    await redis.delete(names.comments)
    retried = await client.post("/v1/comments", json=comment("c1"), headers=AUTH)
    assert retried.json()["results"][0]["status"] == "accepted"
    assert len(await stream_events(redis, settings)) == 1


async def test_a_body_over_its_cap_is_413_naming_the_limit_and_is_not_read(
    settings: Settings, redis: Redis
) -> None:
    """A 30 MB post used to be read whole before its 422; now the declared length decides."""
    capped = settings.model_copy(
        update={"ingest_max_body_bytes": 64 * 1024, "webhook_max_body_bytes": 16 * 1024}
    )
    async for client in _client(capped):
        big = b"[" + b" " * (30 << 20) + b"]"
        response = await client.post("/v1/comments", content=big, headers=AUTH)
        assert response.status_code == 413, response.text
        assert response.json()["limit_bytes"] == 64 * 1024
        assert "POST /v1/comments accepts at most 64 KiB (65536 bytes)" in response.json()["detail"]
        hook = await client.post("/webhooks/facebook", content=b"{" + b" " * 20_000 + b"}")
        assert hook.status_code == 413
        assert "16 KiB" in hook.json()["detail"]
        fits = await client.post("/v1/comments", json=comment("c1"), headers=AUTH)
        assert fits.status_code == 202
    assert [e.comment.comment_id for e in await stream_events(redis, settings)] == ["c1"]


async def test_each_key_has_its_own_rate_and_a_429_says_when_to_come_back(
    settings: Settings, redis: Redis
) -> None:
    keys = [SecretStr("test-ingest-key"), SecretStr("second-ingest-key")]
    limited = settings.model_copy(update={"ingest_rate_limit": "3/minute", "ingest_api_keys": keys})
    async for client in _client(limited):
        for n in range(3):
            ok = await client.post("/v1/comments", json=comment(f"c{n}"), headers=AUTH)
            assert ok.status_code == 202, ok.text
        refused = await client.post("/v1/comments", json=comment("c9"), headers=AUTH)
        assert refused.status_code == 429, refused.text
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "INGEST_RATE_LIMIT" in refused.json()["detail"]
        other = {"Authorization": "Bearer second-ingest-key"}
        assert (
            await client.post("/v1/comments", json=comment("c8"), headers=other)
        ).status_code == 202
        assert (await client.get("/healthz")).status_code == 200  # only the API is counted
    published = [e.comment.comment_id for e in await stream_events(redis, settings)]
    assert published == ["c0", "c1", "c2", "c8"]
    assert not [k async for k in redis.scan_iter(match=f"*{'test-ingest-key'}*")]  # digests only
