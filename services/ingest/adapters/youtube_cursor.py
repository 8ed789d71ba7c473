"""Poll cursors per YouTube channel in Redis, so a restarted poller resumes where it stopped."""

from __future__ import annotations

from services.ingest.connectors.youtube import Cursor
from shared.redis_connection import AsyncRedis
from shared.streams.names import StreamNames


class RedisCursorStore:
    """One hash under the stream prefix, field = channel id, value = the cursor's JSON."""

    def __init__(self, redis: AsyncRedis, names: StreamNames) -> None:
        self._redis = redis
        self._key = names.key("youtube:cursors")

    async def load(self, channel: str) -> Cursor | None:
        raw = await self._redis.hget(self._key, channel)
        if raw is None:
            return None
        return Cursor.from_json(raw.decode() if isinstance(raw, bytes) else str(raw))

    async def save(self, channel: str, cursor: Cursor) -> None:
        await self._redis.hset(self._key, channel, cursor.to_json())
