"""One Redis or a Redis Cluster, chosen by settings: the clients, the broker, the rate limiter's
storage URI, and the two things that differ between them for a caller.

With `REDIS_CLUSTER_NODES` set every process talks to the cluster (redis-py's `RedisCluster`,
FastStream's `RedisClusterBroker`); otherwise to the single server at `REDIS_URL`. Code that
touches several keys at once — a script, a transaction, a multi-stream XREAD — keeps them in one
slot by the partition hash tags of `StreamNames`, or splits the call with `slot_groups`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias

import redis
import redis.cluster
from faststream.redis import RedisBroker, RedisClusterBroker
from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.crc import key_slot

from shared.settings import Settings
from shared.streams.names import StreamNames

AsyncRedis: TypeAlias = Redis | RedisCluster
"""What services hold: the same commands either way, routed by key on a cluster."""

SyncRedis: TypeAlias = redis.Redis | redis.cluster.RedisCluster
"""What the CLI holds."""


def cluster_nodes(settings: Settings) -> list[tuple[str, int]]:
    nodes = []
    for node in settings.redis_cluster_nodes:
        host, _, port = node.rpartition(":")
        nodes.append((host, int(port)))
    return nodes


def stream_names(settings: Settings) -> StreamNames:
    """The keys of this installation: partitioned, and tagged on a cluster."""
    return StreamNames(settings.stream_prefix, settings.stream_shards, settings.redis_cluster)


def async_client(settings: Settings, **options: Any) -> AsyncRedis:
    if settings.redis_cluster:
        nodes = [ClusterNode(host, port) for host, port in cluster_nodes(settings)]
        return RedisCluster(startup_nodes=nodes, **options)
    return Redis.from_url(settings.redis_url, **options)


def sync_client(settings: Settings, **options: Any) -> SyncRedis:
    if settings.redis_cluster:
        nodes = [
            redis.cluster.ClusterNode(host, port)  # type: ignore[no-untyped-call]
            for host, port in cluster_nodes(settings)
        ]
        return redis.cluster.RedisCluster(startup_nodes=nodes, **options)
    return redis.Redis.from_url(settings.redis_url, **options)


def broker(settings: Settings, **options: Any) -> RedisBroker:
    """FastStream's broker for the consumers' subscribers (the cluster one is a subclass)."""
    if settings.redis_cluster:
        (host, port), *_ = nodes = cluster_nodes(settings)
        return RedisClusterBroker(f"redis://{host}:{port}", startup_nodes=nodes, **options)
    return RedisBroker(settings.redis_url, **options)


def rate_limit_storage_uri(settings: Settings) -> str:
    """The `limits` library's storage URI for the same Redis."""
    if settings.redis_cluster:
        return "async+redis+cluster://" + ",".join(settings.redis_cluster_nodes)
    return "async+" + settings.redis_url


def is_cluster(client: AsyncRedis | SyncRedis) -> bool:
    return isinstance(client, RedisCluster | redis.cluster.RedisCluster)


def slot_groups(client: AsyncRedis | SyncRedis, keys: Iterable[str]) -> list[list[str]]:
    """Keys a multi-key command (XREAD of several streams) may name together: all of them on
    one server, those of one hash slot on a cluster (order kept within a group)."""
    keys = list(keys)
    if not is_cluster(client):
        return [keys] if keys else []
    groups: dict[int, list[str]] = {}
    for key in keys:
        groups.setdefault(key_slot(key.encode()), []).append(key)
    return list(groups.values())
