"""Live updates: every reporting process tails the streams (XREAD, no group, so each process
sees everything) and fans a small notice out to its Server-Sent-Events clients."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from shared.redis_connection import AsyncRedis, slot_groups
from shared.streams.codec import DATA_FIELD

log = logging.getLogger(__name__)

BUFFER = 500
"""Notices kept for clients that reconnect with `Last-Event-ID`."""


@dataclass(frozen=True)
class Notice:
    seq: int
    stream: str
    """The logical name: comments, decisions, actions, timers, alerts, commands."""
    thread_id: str

    def sse(self) -> str:
        body = json.dumps({"stream": self.stream, "thread": self.thread_id})
        return f"id: {self.seq}\nevent: change\ndata: {body}\n\n"


def thread_of(fields: Mapping[bytes, bytes]) -> str:
    """The exchange an entry belongs to (its correlation id); '' for entries that are no event."""
    try:
        body = json.loads(fields.get(DATA_FIELD, b"{}"))
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return str(body.get("thread_id") or body.get("correlation_id") or "")


class Broadcaster:
    """One per process; `run` is spawned by the composition root and stops with the service."""

    def __init__(self) -> None:
        self._seq = 0
        self._recent: deque[Notice] = deque(maxlen=BUFFER)
        self._changed = asyncio.Condition()

    async def notify(self, stream: str, thread_id: str) -> None:
        async with self._changed:
            self._seq += 1
            self._recent.append(Notice(self._seq, stream, thread_id))
            self._changed.notify_all()

    def since(self, seq: int) -> list[Notice]:
        return [n for n in self._recent if n.seq > seq]

    @property
    def last(self) -> int:
        return self._seq

    async def wait(self, seq: int, wait_s: float) -> list[Notice]:
        """Notices after `seq`, waiting up to `wait_s` seconds for the first one."""
        async with self._changed:
            if self._seq <= seq:
                try:
                    await asyncio.wait_for(self._changed.wait(), wait_s)
                except TimeoutError:
                    return []
        return self.since(seq)

    async def run(
        self,
        redis: AsyncRedis,
        streams: Mapping[str, str],
        stop: asyncio.Event,
        block_ms: int = 1000,
    ) -> None:
        """Tails the streams (stream key → logical name: every partition of each) from now on;
        a Redis error is logged and the read retried. On a Redis Cluster one XREAD per slot (a
        partition's streams share one), side by side."""
        logical = dict(streams)
        groups = slot_groups(redis, streams)
        await asyncio.gather(*(self._tail(redis, keys, logical, stop, block_ms) for keys in groups))

    async def _tail(
        self,
        redis: AsyncRedis,
        keys: list[str],
        logical: Mapping[str, str],
        stop: asyncio.Event,
        block_ms: int,
    ) -> None:
        ids: dict[str, str] = dict.fromkeys(keys, "$")
        while not stop.is_set():
            try:
                answer: Any = await redis.xread(ids, count=200, block=block_ms)  # type: ignore[arg-type]
            except Exception:
                log.exception("tailing the streams for live inbox updates failed; retrying in 1s")
                await asyncio.sleep(1.0)
                continue
            for key, entries in answer or []:
                name = key.decode() if isinstance(key, bytes) else str(key)
                for entry_id, fields in entries:
                    ids[name] = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    await self.notify(logical.get(name, name), thread_of(fields))


async def event_stream(
    hub: Broadcaster, last_id: int | None, lifetime_s: float, heartbeat_s: float = 10.0
) -> AsyncIterator[str]:
    """One client's events; the stream ends after `lifetime_s` so a shutdown never waits on it
    (EventSource reconnects by itself and `Last-Event-ID` replays what it missed)."""
    yield "retry: 1000\n\n"
    seq = hub.last if last_id is None or last_id > hub.last else last_id
    for notice in hub.since(seq):
        seq = notice.seq
        yield notice.sse()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + lifetime_s
    while (left := deadline - loop.time()) > 0:
        notices = await hub.wait(seq, min(heartbeat_s, left))
        if not notices:
            yield ": keep-alive\n\n"
        for notice in notices:
            seq = notice.seq
            yield notice.sse()
