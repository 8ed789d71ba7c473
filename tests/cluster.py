"""What the Redis Cluster tests share: settings pointing at a local cluster, and its client."""

from __future__ import annotations

from collections.abc import AsyncIterator

from redis.asyncio.cluster import RedisCluster

from shared.redis_connection import async_client
from shared.settings import Settings
from steam_connect.local_cluster import LocalCluster


def on_cluster(settings: Settings, cluster: LocalCluster, shards: int) -> Settings:
    return settings.model_copy(
        update={"redis_cluster_nodes": cluster.nodes.split(","), "stream_shards": shards}
    )


async def cluster_client(settings: Settings) -> AsyncIterator[RedisCluster]:
    client = async_client(settings)
    assert isinstance(client, RedisCluster)
    yield client
    await client.aclose()
