"""Pipelined publishing: one round trip per batch, never one per event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel

from shared.redis_connection import AsyncRedis
from shared.streams.codec import encode
from shared.streams.names import StreamNames


class Publisher(Protocol):
    """What a use case needs to publish: the Redis publisher, or a test's in-memory fake."""

    async def publish(self, items: Iterable[tuple[str, BaseModel]]) -> list[bytes]: ...


def routed(names: StreamNames | None, stream: str, event: BaseModel) -> str:
    """The partition of `stream` that this event's exchange (its correlation id) belongs to."""
    if names is None:
        return stream
    correlation_id = getattr(event, "correlation_id", None)
    if not isinstance(correlation_id, str):
        return names.partition(stream, 0)  # an event of no exchange: still a partition read
    return names.route(stream, correlation_id)


class EventPublisher:
    """Appends events to streams, trimmed approximately so Redis memory stays bounded.

    Callers name the logical stream; with partitioned streams (`names.shards` > 1) each event
    goes to its exchange's partition, so one exchange's events stay in one ordered stream.
    """

    def __init__(self, redis: AsyncRedis, maxlen: int, names: StreamNames | None = None) -> None:
        self._redis = redis
        self._maxlen = maxlen
        self._names = names

    async def publish(self, items: Iterable[tuple[str, BaseModel]]) -> list[bytes]:
        """XADD every (stream, event) in one pipeline; returns the entry ids in order."""
        pipe = self._redis.pipeline(transaction=False)
        count = 0
        for stream, event in items:
            key = routed(self._names, stream, event)
            pipe.xadd(key, encode(event), maxlen=self._maxlen, approximate=True)  # type: ignore[arg-type]
            count += 1
        if count == 0:
            return []
        ids: list[bytes] = await pipe.execute()
        return ids
