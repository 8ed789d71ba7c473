"""Ingest acknowledges only what a Redis replica has too (REDIS_WAIT_REPLICAS): a primary and a
replica of our own, from the redis-server binary; a failover to that replica then loses nothing
that was answered 202."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis as SyncRedis

from shared.settings import Settings
from shared.streams.names import StreamNames
from steam_connect import infra
from tests.ingest.integration.test_ingest_api import AUTH, _client, comment
from tests.streams import raw_entries

pytestmark = pytest.mark.integration


@pytest.fixture
def primary_and_replica(tmp_path: Path) -> Iterator[tuple[str, str]]:
    primary = infra.start_embedded_redis(tmp_path / "primary", appendonly=False)
    host_port = primary.url.removeprefix("redis://").split("/")[0]
    replica = infra.start_embedded_redis(
        tmp_path / "replica", appendonly=False, replica_of=host_port
    )
    try:
        client = SyncRedis.from_url(replica.url)
        _until_linked(client)
        client.close()
        yield primary.url, replica.url
    finally:
        replica.stop()
        primary.stop()


def _until_linked(replica: SyncRedis) -> None:
    deadline = time.monotonic() + 20
    while replica.info("replication").get("master_link_status") != "up":
        assert time.monotonic() < deadline, "the replica never caught up with its primary"
        time.sleep(0.1)


async def test_a_comment_is_acknowledged_once_a_replica_has_it(
    settings: Settings, primary_and_replica: tuple[str, str]
) -> None:
    primary, replica = primary_and_replica
    waiting = settings.model_copy(
        update={"redis_url": primary, "redis_wait_replicas": 1, "redis_wait_timeout_ms": 2000}
    )
    async for client in _client(waiting):
        accepted = await client.post("/v1/comments", json=comment("c1"), headers=AUTH)
        assert accepted.status_code == 202, accepted.text
    comments = StreamNames(settings.stream_prefix).comments
    copy = SyncRedis.from_url(replica)
    assert copy.xlen(comments) == 1  # the replica had it before the 202 went out
    copy.close()


async def test_too_few_replicas_is_503_and_the_retry_is_a_duplicate(
    settings: Settings, primary_and_replica: tuple[str, str]
) -> None:
    primary, _replica = primary_and_replica
    demanding = settings.model_copy(
        update={"redis_url": primary, "redis_wait_replicas": 2, "redis_wait_timeout_ms": 200}
    )
    async for client in _client(demanding):
        refused = await client.post("/v1/comments", json=comment("c1"), headers=AUTH)
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"]
        assert "only 1 of the 2 replicas" in refused.json()["detail"]
        relaxed = settings.model_copy(update={"redis_url": primary})
        async for retry_client in _client(relaxed):
            retried = await retry_client.post("/v1/comments", json=comment("c1"), headers=AUTH)
            assert retried.status_code == 202
            assert retried.json()["duplicates"] == 1  # it had arrived: published once


async def test_a_primary_lost_mid_replay_loses_no_acknowledged_comment(
    settings: Settings, tmp_path: Path
) -> None:
    """The failover: the primary goes away while batches are being posted, the replica is
    promoted, and every comment that was answered 202 is in its stream."""
    primary = infra.start_embedded_redis(tmp_path / "p", appendonly=False)
    replica = infra.start_embedded_redis(
        tmp_path / "r",
        appendonly=False,
        replica_of=primary.url.removeprefix("redis://").split("/")[0],
    )
    copy = SyncRedis.from_url(replica.url)
    try:
        await asyncio.to_thread(_until_linked, copy)
        waiting = settings.model_copy(
            update={
                "redis_url": primary.url,
                "redis_wait_replicas": 1,
                "redis_wait_timeout_ms": 1000,
            }
        )
        acknowledged: list[str] = []
        async for client in _client(waiting):
            for batch in range(40):
                if batch == 25:
                    primary.stop()  # gone mid-replay; what follows is refused, never acknowledged
                ids = [f"b{batch}-{n}" for n in range(25)]
                try:
                    answer = await client.post(
                        "/v1/comments", json=[comment(i) for i in ids], headers=AUTH
                    )
                except httpx.TransportError:
                    continue
                if answer.status_code == 202:
                    acknowledged += ids
        assert len(acknowledged) == 25 * 25
        copy.replicaof("NO", "ONE")  # the promotion a Sentinel would do
        entries = raw_entries(copy.xrange(StreamNames(settings.stream_prefix).comments))
        kept = {json.loads(fields[b"__data__"])["comment"]["comment_id"] for _id, fields in entries}
        assert set(acknowledged) <= kept
    finally:
        copy.close()
        replica.stop()
        primary.stop()
