"""The YouTube poller against a local fake YouTube Data API and the real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from services.ingest.adapters.redis_intake import RedisIntake
from services.ingest.adapters.youtube_api import YouTubeApi, YouTubeApiError
from services.ingest.adapters.youtube_cursor import RedisCursorStore
from services.ingest.bootstrap import create_app
from services.ingest.connectors.youtube import DailyBudget
from services.ingest.use_cases.ingest_comments import IngestComments
from services.ingest.use_cases.youtube_poll import YouTubePoller
from shared.accounts import Account, AccountDirectory
from shared.contracts import CommentReceived
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.names import StreamNames
from tests.fakes.server import ServerThread
from tests.fakes.youtube import FakeYouTube, build_app

pytestmark = pytest.mark.integration

CHANNEL = "UC_brand"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[tuple[FakeYouTube, str]]:
    state = FakeYouTube()
    with ServerThread(build_app(state)) as server:
        yield state, f"{server.url}/youtube/v3"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def make_poller(
    redis: Redis, settings: Settings, http: httpx.AsyncClient, url: str, **api: str
) -> YouTubePoller:
    names = StreamNames(settings.stream_prefix)
    accounts = AccountDirectory(
        [Account(platform="youtube", account_id=CHANNEL)], accept_unknown=False
    )
    store = RedisIntake(
        redis,
        names,
        maxlen=settings.stream_maxlen,
        dedupe_ttl_s=settings.dedupe_ttl_s,
        thread_ttl_s=settings.thread_ttl_s,
    )
    return YouTubePoller(
        YouTubeApi(http, url, **(api or {"api_key": "yt-test-key"})),
        RedisCursorStore(redis, names),
        IngestComments(accounts, store),
        [CHANNEL],
        max_pages=5,
        budget=DailyBudget(100),
        backoff_s=3600,
        interval_s=60,
    )


async def events(redis: Redis, settings: Settings) -> list[CommentReceived]:
    entries = await redis.xrange(StreamNames(settings.stream_prefix).comments) or []
    return [CommentReceived.model_validate(decode(cast(Any, f))) for _id, f in entries]


def seed(state: FakeYouTube, count: int) -> None:
    for n in range(count):
        state.add_thread(CHANNEL, f"c{n:03d}", T0 + timedelta(minutes=n))


async def test_restart_resumes_from_the_cursor_and_emits_nothing_twice(
    fake: tuple[FakeYouTube, str], redis: Redis, settings: Settings, http: httpx.AsyncClient
) -> None:
    state, url = fake
    seed(state, 250)
    state.add_thread(CHANNEL, "own", T0 + timedelta(minutes=300), author_id=CHANNEL)
    assert await make_poller(redis, settings, http, url).poll_once(NOW) == 60
    first = await events(redis, settings)
    assert [e.comment.comment_id for e in first] == [f"c{n:03d}" for n in range(250)]
    assert len(state.list_calls()) == 3
    assert all(
        c["order"] == "time" and c["allThreadsRelatedToChannelId"] == CHANNEL
        for c in state.list_calls()
    )

    state.add_thread(CHANNEL, "new1", T0 + timedelta(minutes=400), text="Wo bleibt meine Antwort?")
    state.add_reply("c249", "c249.r1", T0 + timedelta(minutes=401))
    state.edit("c248", "edited text", T0 + timedelta(minutes=402))
    restarted = make_poller(redis, settings, http, url)  # a new process: nothing in memory
    await restarted.poll_once(NOW + timedelta(minutes=1))
    assert len(state.list_calls()) == 4, "resumed from the stored cursor: one page only"
    later = (await events(redis, settings))[250:]
    assert [(e.comment.comment_id, e.change) for e in later] == [
        ("new1", "created"),
        ("c249.r1", "created"),
        ("c248", "edited"),
    ]
    assert later[1].comment.thread_id == "youtube:c249" and later[2].comment.text == "edited text"

    await make_poller(redis, settings, http, url).poll_once(NOW + timedelta(minutes=2))
    await redis.delete(StreamNames(settings.stream_prefix).key("youtube:cursors"))
    await make_poller(redis, settings, http, url).poll_once(NOW + timedelta(minutes=3))
    keys = [e.dedupe_key for e in await events(redis, settings)]
    assert len(keys) == 253 and len(set(keys)) == 253, "even a lost cursor emits nothing twice"


async def test_quota_exhaustion_backs_off_then_resumes(
    fake: tuple[FakeYouTube, str], redis: Redis, settings: Settings, http: httpx.AsyncClient
) -> None:
    state, url = fake
    seed(state, 250)
    state.quota_limit = 2
    poller = make_poller(redis, settings, http, url)
    assert await poller.poll_once(NOW) == 3600
    assert await events(redis, settings) == [], "a half-read channel is not emitted"
    calls = len(state.list_calls())
    assert await poller.poll_once(NOW + timedelta(minutes=10)) == 3000
    assert len(state.list_calls()) == calls, "no request while backing off"
    state.quota_limit, state.units_used = 10_000, 0
    assert await poller.poll_once(NOW + timedelta(hours=1)) == 60
    assert len(await events(redis, settings)) == 250


async def test_bearer_token_works_and_a_bad_key_fails_with_context(
    fake: tuple[FakeYouTube, str], redis: Redis, settings: Settings, http: httpx.AsyncClient
) -> None:
    state, url = fake
    seed(state, 3)
    await make_poller(redis, settings, http, url, oauth_token="yt-test-token").poll_once(NOW)
    assert len(await events(redis, settings)) == 3
    with pytest.raises(YouTubeApiError, match=f"channel {CHANNEL} answered 400"):
        await make_poller(redis, settings, http, url, api_key="wrong").poll_channel(CHANNEL, NOW)


async def test_the_service_runs_the_poller_when_channels_and_credentials_exist(
    fake: tuple[FakeYouTube, str], redis: Redis, settings: Settings, tmp_path: Path
) -> None:
    state, url = fake
    seed(state, 2)
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(f"accounts:\n  - platform: youtube\n    account_id: {CHANNEL}\n")
    configured = settings.model_copy(
        update={
            "accounts_file": accounts,
            "youtube_api_url": url,
            "youtube_api_key": SecretStr("yt-test-key"),
            "youtube_poll_interval_s": 0.1,
        }
    )
    with ServerThread(create_app(configured)):
        for _ in range(200):
            if len(await events(redis, settings)) == 2:
                break
            await asyncio.sleep(0.05)
    assert [e.comment.comment_id for e in await events(redis, settings)] == ["c000", "c001"]
    state.requests.clear()
    with ServerThread(create_app(settings)):
        pass
    assert state.requests == [], "no YouTube credentials configured: no poller"
