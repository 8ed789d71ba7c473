"""Redis side of the timers: a due-time index (ZSET) and a publish-at-most-once helper.

The index only says when to look; the `sla_timers` row decides whether a timer still fires.
Members are `<timer id>|due` and `<timer id>|soon`, scored by epoch seconds. Timer events are
published with a Lua script that XADDs only if the event id's marker key could be set, so the
republish after a crash (commit done, publish not confirmed) never duplicates an event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal

from shared.contracts import Envelope
from shared.db.models import SlaTimerRow
from shared.redis_connection import AsyncRedis
from shared.streams.codec import DATA_FIELD, encode
from shared.streams.names import StreamNames
from shared.streams.publisher import routed

Point = Literal["due", "soon"]

_PUBLISH_ONCE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', ARGV[3], ARGV[4])
end
return false
"""


def member(timer_id: str, point: Point) -> str:
    return f"{timer_id}|{point}"


def parse_member(raw: bytes | str) -> tuple[str, Point]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    timer_id, _, point = text.partition("|")
    if point not in ("due", "soon"):
        raise ValueError(f"timer index member {text!r} is not '<timer id>|due|soon'")
    return timer_id, point  # type: ignore[return-value]


def points_of(row: SlaTimerRow) -> dict[str, float]:
    """What a row still waits for: its due time while pending, its due-soon time until sent."""
    if row.state != "pending":
        return {}
    points = {member(row.timer_id, "due"): row.due_at.timestamp()}
    if row.due_soon_at is not None and row.due_soon_sent_at is None:
        points[member(row.timer_id, "soon")] = row.due_soon_at.timestamp()
    return points


class TimerIndex:
    """The ZSET of due times under the stream prefix, plus the timers' event publisher."""

    def __init__(
        self, redis: AsyncRedis, names: StreamNames, *, maxlen: int, marker_ttl_s: int
    ) -> None:
        self._redis = redis
        self._names = names
        self.key = names.key("timers:due")
        self._maxlen = maxlen
        self._ttl = marker_ttl_s

    async def schedule(self, rows: Iterable[SlaTimerRow]) -> None:
        await self.publish_and_index((), rows)

    async def remove(self, members: Sequence[str]) -> None:
        if members:
            await self._redis.zrem(self.key, *members)

    async def due(self, now: datetime, limit: int) -> list[str]:
        raw = await self._redis.zrangebyscore(self.key, "-inf", now.timestamp(), start=0, num=limit)
        return [m.decode() if isinstance(m, bytes) else str(m) for m in raw]

    async def publish_and_index(
        self, items: Iterable[tuple[str, Envelope]], rows: Iterable[SlaTimerRow]
    ) -> int:
        """In one pipeline, in this order: XADD each (stream, event) unless its event id was
        published before, drop the index points of settled rows, add those of pending ones.
        Returns how many events were new."""
        pipe = self._redis.pipeline(transaction=False)
        count = 0
        for stream, event in items:
            # The marker sits in the slot of the event's partition; EVAL, not EVALSHA, because a
            # replica promoted on a Redis Cluster has no script cache.
            marker = self._names.exchange_key(f"published:{event.event_id}", event.correlation_id)
            data = encode(event)[DATA_FIELD]
            key = routed(self._names, stream, event)
            pipe.eval(_PUBLISH_ONCE, 2, marker, key, self._ttl, self._maxlen, DATA_FIELD, data)
            count += 1
        settled: list[str] = []
        points: dict[str, float] = {}
        for row in rows:
            if row.state == "pending":
                points.update(points_of(row))
            else:
                settled += [member(row.timer_id, "due"), member(row.timer_id, "soon")]
        if settled:
            pipe.zrem(self.key, *settled)
        if points:
            pipe.zadd(self.key, points)
        if not (count or settled or points):
            return 0
        results = await pipe.execute()
        return sum(1 for r in results[:count] if r)
