"""Who has an exchange open, and who is writing a reply: short-lived marks in Redis.

Each open page refreshes its mark every few seconds; a mark older than `TTL_S` is gone, so a
closed tab disappears by itself. One hash per exchange, shared by every reporting process.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Literal

import orjson

from shared.redis_connection import AsyncRedis
from shared.streams.names import StreamNames

TTL_S = 30
PresenceState = Literal["viewing", "writing"]


@dataclass(frozen=True)
class Present:
    agent: str
    state: PresenceState
    seen_s_ago: int


class Presence:
    def __init__(self, redis: AsyncRedis, names: StreamNames) -> None:
        self._redis = redis
        self._names = names

    def _key(self, thread_id: str) -> str:
        digest = hashlib.sha256(thread_id.encode()).hexdigest()[:32]
        return self._names.key(f"presence:{digest}")

    async def mark(self, thread_id: str, agent: str, state: PresenceState) -> None:
        key = self._key(thread_id)
        value = orjson.dumps({"state": state, "at": time.time()})
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, agent, value)
            pipe.expire(key, TTL_S * 4)
            await pipe.execute()

    async def others(self, thread_id: str, me: str) -> list[Present]:
        raw = await self._redis.hgetall(self._key(thread_id))
        now, found = time.time(), []
        for field, value in raw.items():
            agent = field.decode() if isinstance(field, bytes) else str(field)
            mark = orjson.loads(value)
            age = now - float(mark.get("at", 0))
            if agent != me and age <= TTL_S:
                found.append(Present(agent, mark.get("state", "viewing"), int(age)))
        return sorted(found, key=lambda p: p.agent)
