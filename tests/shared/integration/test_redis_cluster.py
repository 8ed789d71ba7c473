"""What touches several keys at once, on a real local Redis Cluster (3 primaries, 3 replicas):
ingest's dedupe-then-publish script and its WAIT per primary, thread lookups across slots, the
dead letters kept beside their partition and re-driven by the CLI, the inbox's live tail over
partitions in different slots. (Failover during a replay: tests/chaos/test_redis_cluster.py.)"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio.cluster import RedisCluster

from services.reporting.inbox.live import Broadcaster
from shared.contracts import CommentReceived
from shared.redis_connection import stream_names
from shared.settings import Settings
from shared.streams.consumer import ConsumerConfig, StreamConsumer, ensure_group
from shared.streams.names import shard_of
from shared.streams.publisher import EventPublisher
from steam_connect.local_cluster import LocalCluster
from tests.cli import run_cli
from tests.cluster import cluster_client
from tests.cluster import on_cluster as settings_on_cluster
from tests.ingest.integration.test_ingest_api import AUTH, _client, comment
from tests.shared.integration.test_stream_consumer import _event
from tests.streams import raw_entries

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
SHARDS = 4


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    local = LocalCluster(tmp_path_factory.mktemp("cluster")).start()
    yield local
    local.stop()


@pytest.fixture
def on_cluster(settings: Settings, cluster: LocalCluster) -> Settings:
    return settings_on_cluster(settings, cluster, SHARDS)


@pytest.fixture
async def client(on_cluster: Settings) -> AsyncIterator[RedisCluster]:
    async for redis in cluster_client(on_cluster):
        yield redis


async def _comment_ids(redis: RedisCluster, keys: tuple[str, ...]) -> dict[str, str]:
    """comment id → thread id of every event on these streams."""
    found = {}
    for key in keys:
        for _id, fields in raw_entries(await redis.xrange(key)):
            body = json.loads(fields[b"__data__"])["comment"]
            found[body["comment_id"]] = body["thread_id"]
    return found


async def test_ingest_on_a_cluster_publishes_once_per_comment_and_waits_for_each_primarys_replica(
    on_cluster: Settings, client: RedisCluster, cluster: LocalCluster
) -> None:
    names = stream_names(on_cluster)
    roots = [comment(f"root-{n}") for n in range(24)]
    replies = [comment(f"reply-{n}", parent_id=f"root-{n}") for n in range(0, 24, 3)]
    waiting = on_cluster.model_copy(
        update={"redis_wait_replicas": 1, "redis_wait_timeout_ms": 2000}
    )
    async for http in _client(waiting):
        first = await http.post("/v1/comments", json=roots, headers=AUTH)
        assert first.status_code == 202, first.text
        assert first.json()["accepted"] == 24
        threaded = await http.post("/v1/comments", json=replies, headers=AUTH)
        assert threaded.status_code == 202, threaded.text
        again = await http.post("/v1/comments", json=roots + replies, headers=AUTH)
        assert again.json()["duplicates"] == 24 + len(replies)
    published = await _comment_ids(client, names.partitions(names.comments))
    assert len(published) == 24 + len(replies)  # each once, across partitions
    for n in range(0, 24, 3):  # the parent's mapping was found in another slot
        assert published[f"reply-{n}"] == published[f"root-{n}"] == f"facebook:root-{n}"
    used = {names.shard_of_key(k) for k in names.partitions(names.comments) if await client.xlen(k)}
    assert used == set(range(SHARDS))
    assert len({cluster.primary_of(k) for k in names.partitions(names.comments)}) >= 2

    demanding = on_cluster.model_copy(
        update={"redis_wait_replicas": 2, "redis_wait_timeout_ms": 200}
    )
    async for http in _client(demanding):
        refused = await http.post("/v1/comments", json=comment("late"), headers=AUTH)
        assert refused.status_code == 503, refused.text
        assert "only 1 of the 2 replicas" in refused.json()["detail"]
    async for http in _client(on_cluster):
        retried = await http.post("/v1/comments", json=comment("late"), headers=AUTH)
        assert retried.json()["duplicates"] == 1  # it had arrived: published once


def _dlq(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing there: the cluster must be what is used
        "REDIS_CLUSTER_NODES": ",".join(settings.redis_cluster_nodes),
        "STREAM_PREFIX": settings.stream_prefix,
        "STREAM_SHARDS": str(settings.stream_shards),
    }
    return run_cli("dlq", *args, env=env)


async def test_dead_letters_stay_beside_their_partition_and_the_cli_replays_them(
    on_cluster: Settings, client: RedisCluster
) -> None:
    names = stream_names(on_cluster)
    shard = 2
    source = names.partition(names.comments, shard)

    async def never_called(_batch: object) -> None:
        raise AssertionError("a malformed entry reached the handler")

    consumer = StreamConsumer(
        redis=client,
        stream=source,
        logical_name="comments",
        group="test",
        consumer="worker-1",
        model=type(_event(1)),
        handler=never_called,
        dead_letter_stream=names.partition(names.dead_letter, shard),
        config=ConsumerConfig(
            batch_size=10, block_ms=50, reclaim_idle_ms=0, reclaim_interval_s=0.05, max_attempts=1
        ),
    )
    await ensure_group(client, source, "test")
    added = await client.xadd(source, {b"junk": b"not an event"})
    entry_id = added.decode() if isinstance(added, bytes) else added
    await client.xreadgroup("test", "worker-1", {source: ">"}, count=10)
    await consumer.process([(entry_id, {b"junk": b"not an event"})], {entry_id: 1})
    assert await client.xlen(names.partition(names.dead_letter, shard)) == 1
    assert (await client.xpending(source, "test"))["pending"] == 0  # acked in the same MULTI

    listed = _dlq(on_cluster, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (letter,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert letter["stream"] == source
    replayed = _dlq(on_cluster, "replay", "--all")
    assert replayed.returncode == 0, replayed.stderr
    assert f"to {source} as" in replayed.stdout
    assert await client.xlen(names.partition(names.dead_letter, shard)) == 0
    assert await client.xlen(source) == 2  # the original and its re-drive


async def test_live_updates_follow_partitions_in_different_slots(
    on_cluster: Settings, client: RedisCluster
) -> None:
    names = stream_names(on_cluster)
    keys = names.partitions(names.comments)
    for key in keys:
        await ensure_group(client, key, "anyone")  # the streams exist, as at a service's start
    hub, stop = Broadcaster(), asyncio.Event()
    tail = asyncio.create_task(hub.run(client, dict.fromkeys(keys, "comments"), stop, 100))
    publisher = EventPublisher(client, 1000, names)
    # Each slot's tail reads from "$" once it has started: probe every partition until each
    # probe was seen, so the events below cannot slip past a tail not yet reading.
    probes: dict[int, CommentReceived] = {}
    n = 0
    while len(probes) < SHARDS:
        event = _event(1000 + n)
        probes.setdefault(shard_of(event.correlation_id, SHARDS), event)
        n += 1
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not {p.correlation_id for p in probes.values()} <= {x.thread_id for x in hub.since(0)}:
        assert loop.time() < deadline, "a partition's tail never started"
        await publisher.publish([(names.comments, p) for p in probes.values()])
        await asyncio.sleep(0.2)
    seen = hub.last
    events = [_event(n) for n in range(40)]
    await publisher.publish([(names.comments, e) for e in events])
    while len(hub.since(seen)) < len(events):
        assert loop.time() < deadline, len(hub.since(seen))
        await asyncio.sleep(0.05)
    stop.set()
    await tail
    assert {x.thread_id for x in hub.since(seen)} == {e.correlation_id for e in events}
    assert {
        names.shard_of_key(names.route(names.comments, e.correlation_id)) for e in events
    } == set(range(SHARDS))
