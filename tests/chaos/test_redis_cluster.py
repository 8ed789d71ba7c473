"""The four services on a real Redis Cluster (3 primaries, 3 replicas on loopback ports) and a
primary SIGKILLed during a replay.

Ingest acknowledges a chunk only once a replica of every primary it wrote has it
(REDIS_WAIT_REPLICAS=1), so the replica that takes over the dead primary's slots has every
acknowledged comment. While the slots are without a primary ingest answers 503 and the sender
retries, and what had arrived is then a duplicate; the killed node is started again and rejoins
as a replica of its successor (what a pod restart does), after which WAITs are answered again.
Checked afterwards, as in the other fault tests: every comment decided once, every decided
platform action done once, every SLA timer event published once — and the streams' partitions
really were spread over the primaries.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.redis_connection import stream_names
from shared.settings import Settings
from steam_connect.local_cluster import LocalCluster
from tests.chaos.stack import ChaosStack
from tests.chaos.workload import check_exactly_once, run_disrupted
from tests.cluster import cluster_client
from tests.cluster import on_cluster as settings_on_cluster

pytestmark = pytest.mark.e2e

SHARDS = 6


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    local = LocalCluster(tmp_path / "cluster").start()
    yield local
    local.stop()


@pytest.fixture
def cluster_settings(settings: Settings, cluster: LocalCluster) -> Settings:
    return settings_on_cluster(settings, cluster, SHARDS)


@pytest.fixture
async def cluster_redis(cluster_settings: Settings) -> AsyncIterator[RedisCluster]:
    async for client in cluster_client(cluster_settings):
        yield client


async def test_a_primary_killed_mid_replay_loses_no_acknowledged_comment_and_doubles_nothing(
    cluster_settings: Settings,
    cluster: LocalCluster,
    cluster_redis: RedisCluster,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    names = stream_names(cluster_settings)
    comments = names.partitions(names.comments)
    primaries = {cluster.primary_of(key) for key in comments}
    assert len(primaries) >= 2, "the partitions should spread over the primaries"
    assert len({key_slot(key.encode()) for key in comments}) == SHARDS
    failovers: list[tuple[int, int]] = []

    async def kill_a_primary(stack: ChaosStack, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(2.0, 4.0))
        victim_key = rng.choice(comments)
        victim = cluster.primary_of(victim_key)
        cluster.kill(victim)
        successor = await asyncio.to_thread(cluster.wait_failed_over, victim, victim_key)
        failovers.append((victim, successor))
        await asyncio.sleep(rng.uniform(0.5, 1.5))  # ingest refuses that slot's comments meanwhile
        cluster.start_node(victim)  # rejoins as its successor's replica
        await asyncio.to_thread(cluster.wait_healthy)

    env = {
        "REDIS_CLUSTER_NODES": cluster.nodes,
        "STREAM_SHARDS": str(SHARDS),
        "REDIS_WAIT_REPLICAS": "1",
        "REDIS_WAIT_TIMEOUT_MS": "1000",
    }
    outcome = await run_disrupted(
        cluster_settings, tmp_path, kill_a_primary, engine, cluster_redis, env
    )
    assert len(failovers) == 1, outcome.stack.logs()
    summary = await check_exactly_once(outcome, engine, cluster_redis, names)
    dead = sum([await cluster_redis.xlen(key) for key in names.partitions(names.dead_letter)])
    assert dead == 0, f"{dead} entries dead-lettered\n{outcome.stack.logs()}"
    print(f"\nRedis Cluster, primary {failovers[0][0]} killed → {failovers[0][1]}: {summary}")  # noqa: T201
