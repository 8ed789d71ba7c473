"""Platform webhooks through the real HTTP server into the real Redis stream."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from services.ingest.bootstrap import create_app
from shared.contracts import CommentReceived
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.names import StreamNames
from steam_connect.infra import free_port
from tests.fakes.server import ServerThread
from tests.fakes.webhooks import (
    fb_comment,
    fb_delivery,
    ig_comment,
    ig_delivery,
    meta_headers,
    x_crc_expected,
    x_delivery,
    x_headers,
    x_tweet,
)
from tests.ingest.integration.conftest import (
    FB_SECRET,
    IG_SECRET,
    VERIFY_TOKEN,
    X_SECRET,
    with_connectors,
)

pytestmark = pytest.mark.integration


async def events(redis: Redis, settings: Settings) -> list[CommentReceived]:
    entries = await redis.xrange(StreamNames(settings.stream_prefix).comments) or []
    return [CommentReceived.model_validate(decode(cast(Any, f))) for _id, f in entries]


async def metric(client: httpx.AsyncClient, name: str, labels: dict[str, str]) -> float:
    for family in text_string_to_metric_families((await client.get("/metrics")).text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


async def test_facebook_handshake(ingest_server: ServerThread) -> None:
    async with httpx.AsyncClient(base_url=ingest_server.url) as client:
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        }
        ok = await client.get("/webhooks/facebook", params=params)
        assert (ok.status_code, ok.text) == (200, "1158201444")
        bad = await client.get("/webhooks/facebook", params={**params, "hub.verify_token": "guess"})
        assert bad.status_code == 403 and bad.json()["error"] == "verification failed"
        ig = await client.get("/webhooks/instagram", params=params)
        assert ig.text == "1158201444"


async def test_facebook_comment_redelivery_edit_and_removal(
    ingest_server: ServerThread, redis: Redis, settings: Settings
) -> None:
    first = fb_delivery("1001", [fb_comment("500_1"), fb_comment("500_2", parent_id="500_1")])
    edit = fb_delivery(
        "1001", [fb_comment("500_1", verb="edited", message="ok now", created_time=1_714_560_000)]
    )
    removal = fb_delivery("1001", [fb_comment("500_2", verb="remove", created_time=1_714_560_100)])
    async with httpx.AsyncClient(base_url=ingest_server.url) as client:
        for body in (first, first, edit, edit, removal, removal):
            response = await client.post(
                "/webhooks/facebook", content=body, headers=meta_headers(FB_SECRET, body)
            )
            assert response.status_code == 200, response.text
        assert response.json()["duplicates"] == 1
    got = await events(redis, settings)
    assert [(e.comment.comment_id, e.change) for e in got] == [
        ("500_1", "created"),
        ("500_2", "created"),
        ("500_1", "edited"),
        ("500_2", "removed"),
    ]
    assert {e.comment.thread_id for e in got} == {"facebook:500_1"}
    assert (
        got[2].comment.text == "ok now"
        and got[2].occurred_at.isoformat() == "2024-05-01T10:40:00+00:00"
    )


async def test_page_own_comments_and_hide_verbs_are_acknowledged_not_published(
    ingest_server: ServerThread, redis: Redis, settings: Settings
) -> None:
    body = fb_delivery(
        "1001", [fb_comment("own", author=("1001", "Page")), fb_comment("c9", verb="hide")]
    )
    async with httpx.AsyncClient(base_url=ingest_server.url) as client:
        before = await metric(
            client,
            "sc_ingest_skipped_changes_total",
            {"platform": "facebook", "reason": "verb_hide"},
        )
        response = await client.post(
            "/webhooks/facebook", content=body, headers=meta_headers(FB_SECRET, body)
        )
        assert response.status_code == 200
        assert (response.json()["ignored"], response.json()["skipped"]) == (1, 1)
        after = await metric(
            client,
            "sc_ingest_skipped_changes_total",
            {"platform": "facebook", "reason": "verb_hide"},
        )
    assert after == before + 1
    assert await events(redis, settings) == []


@pytest.mark.parametrize("platform", ["facebook", "instagram", "x"])
async def test_bad_or_missing_signature_is_refused_counted_and_not_published(
    ingest_server: ServerThread, redis: Redis, settings: Settings, platform: str
) -> None:
    body = {
        "facebook": fb_delivery("1001", [fb_comment("c1")]),
        "instagram": ig_delivery("2001", [ig_comment("c1")]),
        "x": x_delivery("3001", [x_tweet("1")]),
    }[platform]
    wrong = {
        "facebook": meta_headers("nope", body),
        "instagram": meta_headers(FB_SECRET, body),
        "x": x_headers("nope", body),
    }[platform]
    labels = {"platform": platform, "reason": "bad_signature"}
    async with httpx.AsyncClient(base_url=ingest_server.url) as client:
        before = await metric(client, "sc_ingest_webhook_rejections_total", labels)
        forged = await client.post(f"/webhooks/{platform}", content=body, headers=wrong)
        missing = await client.post(
            f"/webhooks/{platform}", content=body, headers={"Content-Type": "application/json"}
        )
        tampered = await client.post(
            f"/webhooks/{platform}",
            content=body + b" ",
            headers={**(meta_headers(IG_SECRET, body) if platform == "instagram" else wrong)},
        )
        after = await metric(client, "sc_ingest_webhook_rejections_total", labels)
    assert (forged.status_code, missing.status_code, tampered.status_code) == (403, 401, 403)
    assert forged.json()["error"] == "invalid signature" and FB_SECRET not in forged.text
    assert after == before + 3
    assert await events(redis, settings) == []


async def test_instagram_comments_and_reply_thread(
    ingest_server: ServerThread, redis: Redis, settings: Settings
) -> None:
    body = ig_delivery(
        "2001", [ig_comment("17850001"), ig_comment("17850002", parent_id="17850001")]
    )
    async with httpx.AsyncClient(base_url=ingest_server.url) as client:
        for _ in range(2):
            response = await client.post(
                "/webhooks/instagram", content=body, headers=meta_headers(IG_SECRET, body)
            )
            assert response.status_code == 200, response.text
    got = await events(redis, settings)
    assert [e.comment.comment_id for e in got] == ["17850001", "17850002"]
    assert {e.comment.thread_id for e in got} == {"instagram:17850001"}


async def test_x_crc_replies_own_replies_deletions_and_redelivery(
    ingest_server: ServerThread, redis: Redis, settings: Settings
) -> None:
    customer = x_tweet("101")
    ours = x_tweet(
        "102", user=("3001", "SteamConnectHelp"), in_reply_to="101", in_reply_to_user="4242"
    )
    back = x_tweet("103", in_reply_to="102", text="still waiting", timestamp_ms=1_714_560_000_000)
    async with httpx.AsyncClient(base_url=ingest_server.url) as client:
        crc = await client.get("/webhooks/x", params={"crc_token": "challenge-1"})
        assert crc.json() == {"response_token": x_crc_expected(X_SECRET, "challenge-1")}
        assert (await client.get("/webhooks/x")).status_code == 400
        for body in (
            x_delivery("3001", [customer, ours]),
            x_delivery("3001", [customer]),
            x_delivery("3001", [back]),
            x_delivery("3001", deletes=[("103", "4242", 1_714_570_000_000)]),
        ):
            response = await client.post(
                "/webhooks/x", content=body, headers=x_headers(X_SECRET, body)
            )
            assert response.status_code == 200, response.text
    got = await events(redis, settings)
    assert [(e.comment.comment_id, e.change) for e in got] == [
        ("101", "created"),
        ("103", "created"),
        ("103", "removed"),
    ]
    assert {e.comment.thread_id for e in got} == {"x:101"}


async def test_malformed_bodies_are_json_4xx(
    ingest_server: ServerThread, redis: Redis, settings: Settings
) -> None:
    broken = b'{"object": "page", "entry": ['
    no_id = fb_comment("c1")
    del no_id["value"]["comment_id"]
    invalid = fb_delivery("1001", [fb_comment("c0"), no_id])
    async with httpx.AsyncClient(base_url=ingest_server.url) as client:
        r1 = await client.post(
            "/webhooks/facebook", content=broken, headers=meta_headers(FB_SECRET, broken)
        )
        r2 = await client.post(
            "/webhooks/facebook", content=invalid, headers=meta_headers(FB_SECRET, invalid)
        )
    assert (r1.status_code, r1.json()["error"]) == (400, "malformed webhook")
    assert r2.status_code == 422 and r2.json()["details"][0]["field"].endswith("comment_id")
    assert await events(redis, settings) == []


async def test_unknown_page_is_rejected_with_the_reason(settings: Settings, redis: Redis) -> None:
    strict = with_connectors(settings, accept_unknown_accounts=False)
    body = fb_delivery("424242", [fb_comment("c1")])
    with ServerThread(create_app(strict)) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            response = await client.post(
                "/webhooks/facebook", content=body, headers=meta_headers(FB_SECRET, body)
            )
    assert response.status_code == 422
    assert "'424242'" in response.json()["details"][0]["message"]
    assert await events(redis, settings) == []


async def test_redis_down_is_503_so_the_platform_retries(settings: Settings) -> None:
    down = with_connectors(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    body = fb_delivery("1001", [fb_comment("c1")])
    xbody = x_delivery("3001", [x_tweet("1")])
    with ServerThread(create_app(down)) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            fb = await client.post(
                "/webhooks/facebook", content=body, headers=meta_headers(FB_SECRET, body)
            )
            xr = await client.post("/webhooks/x", content=xbody, headers=x_headers(X_SECRET, xbody))
    assert (fb.status_code, xr.status_code) == (503, 503)
    assert fb.json()["error"] == "storage unavailable" and fb.headers["Retry-After"] == "5"


async def test_unconfigured_connector_says_which_setting(settings: Settings) -> None:
    body = x_delivery("3001", [x_tweet("1")])
    with ServerThread(create_app(settings)) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            response = await client.post(
                "/webhooks/x", content=body, headers=x_headers(X_SECRET, body)
            )
    assert response.status_code == 404 and "X_CONSUMER_SECRET" in response.json()["detail"]
