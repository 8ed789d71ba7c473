"""Pipelined publishing: one round trip per batch, never one per event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel
from redis.asyncio import Redis

from shared.streams.codec import encode


class Publisher(Protocol):
    """What a use case needs to publish: the Redis publisher, or a test's in-memory fake."""

    async def publish(self, items: Iterable[tuple[str, BaseModel]]) -> list[bytes]: ...


class EventPublisher:
    """Appends events to streams, trimmed approximately so Redis memory stays bounded."""

    def __init__(self, redis: Redis, maxlen: int) -> None:
        self._redis = redis
        self._maxlen = maxlen

    async def publish(self, items: Iterable[tuple[str, BaseModel]]) -> list[bytes]:
        """XADD every (stream, event) in one pipeline; returns the entry ids in order."""
        pipe = self._redis.pipeline(transaction=False)
        count = 0
        for stream, event in items:
            pipe.xadd(stream, encode(event), maxlen=self._maxlen, approximate=True)  # type: ignore[arg-type]
            count += 1
        if count == 0:
            return []
        ids: list[bytes] = await pipe.execute()
        return ids
