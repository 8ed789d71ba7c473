"""Which partitions a consumer process reads: each partition by one process of its service.

Replicas of a service share its consumer group, and a group hands each entry to whichever
member asks first: two comments of one exchange could be decided by two processes at once, in
either order, racing on the exchange's state, the author's strikes and the SLA clock. So the
streams are partitioned by exchange (`StreamNames.route`) and a partition is read only by the
process holding its PostgreSQL advisory lock (a session lock: PostgreSQL drops it the moment
the holder's connection ends, so a SIGKILLed process frees its partitions at once and no lease
has to expire). The new holder first takes over what the old one had read but not acknowledged
and handles it in stream order, then reads on; one exchange's events stay in order.

Processes announce themselves in a Redis sorted set (score: last heartbeat) and each takes at
most its fair share, ceil(partitions / live processes): a joining replica gets partitions as
the others give theirs back, a dead one's are picked up by the survivors. Replicas beyond the
partition count wait as stand-bys.

Known limit: a process cut off from PostgreSQL loses its locks without knowing until its next
heartbeat (OWNERSHIP_INTERVAL_S); a batch it already has in hand may then be handled beside the
new owner's first one. Its own transaction cannot commit without PostgreSQL either, so the
window is one batch that is then redelivered, not a lasting double owner.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.streams.names import StreamNames

log = logging.getLogger(__name__)

ShardHook = Callable[[int], Awaitable[None]]


def fair_share(shards: int, members: int) -> int:
    """How many partitions one of `members` live processes may hold."""
    return math.ceil(shards / max(1, members))


def candidates(owned: frozenset[int], shards: int, start: int) -> list[int]:
    """Partitions this process does not hold, from `start` on: processes starting at different
    points rarely try for the same lock at the same moment."""
    return [k % shards for k in range(start, start + shards) if k % shards not in owned]


def surplus(owned: frozenset[int], target: int) -> list[int]:
    """Partitions to give back when holding more than the fair share (highest first)."""
    return sorted(owned, reverse=True)[: max(0, len(owned) - target)]


def lock_key(prefix: str, service: str) -> int:
    """The first half of the advisory lock id: one namespace per installation and service."""
    value = zlib.crc32(f"{prefix}:{service}".encode())
    return value - (1 << 32) if value >= 1 << 31 else value  # PostgreSQL's int4 is signed


@dataclass(frozen=True)
class OwnershipConfig:
    service: str
    member: str
    database_dsn: str
    interval_s: float
    member_ttl_s: float


class PartitionOwner:
    """Holds this process's partitions; `on_acquire`/`on_release` start and stop reading them."""

    def __init__(
        self,
        config: OwnershipConfig,
        names: StreamNames,
        redis: Redis,
        on_acquire: ShardHook,
        on_release: ShardHook,
    ) -> None:
        self._config = config
        self._names = names
        self._redis = redis
        self._on_acquire = on_acquire
        self._on_release = on_release
        self._members_key = names.key(f"members:{config.service}")
        self._lock_key = lock_key(names.prefix, config.service)
        self._start = zlib.crc32(config.member.encode()) % names.shards
        self._conn: asyncpg.Connection | None = None
        self.owned: set[int] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Rebalance every interval until `stop`; then give everything back."""
        try:
            while not stop.is_set():
                await self.tick()
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self._config.interval_s)
                except TimeoutError:
                    pass
        finally:
            await self.release_all()

    async def tick(self) -> None:
        """One heartbeat and rebalance; a failing Redis or PostgreSQL is logged and retried."""
        try:
            members = await self._heartbeat()
            conn = await self._connection()
            target = fair_share(self._names.shards, members)
            for shard in surplus(frozenset(self.owned), target):
                await self._give_back(conn, shard)
            for shard in candidates(frozenset(self.owned), self._names.shards, self._start):
                if len(self.owned) >= target:
                    break
                await self._try(conn, shard)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any one failure
            log.warning(
                "%s: partition ownership not renewed (%s: %s); retrying",
                self._config.service,
                type(exc).__name__,
                exc,
            )
            if self._conn is not None and self._conn.is_closed():
                await self._lost()

    async def _heartbeat(self) -> int:
        now = time.time()
        pipe = self._redis.pipeline(transaction=True)
        pipe.zadd(self._members_key, {self._config.member: now})
        pipe.zremrangebyscore(self._members_key, "-inf", now - self._config.member_ttl_s)
        pipe.zcard(self._members_key)
        pipe.expire(self._members_key, max(60, int(self._config.member_ttl_s * 6)))
        results = await pipe.execute()
        return int(results[2])

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is not None and self._conn.is_closed():
            await self._lost()
        if self._conn is None:
            self._conn = await asyncpg.connect(self._config.database_dsn)
        return self._conn

    async def _try(self, conn: asyncpg.Connection, shard: int) -> None:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", self._lock_key, shard):
            return
        self.owned.add(shard)
        try:
            await self._on_acquire(shard)
        except Exception as exc:  # noqa: BLE001 - given back, and tried again next time
            log.warning(
                "%s: taking over partition %d failed (%s: %s); giving it back",
                self._config.service,
                shard,
                type(exc).__name__,
                exc,
            )
            await self._give_back(conn, shard)
            return
        log.info("%s: now reading partition %d", self._config.service, shard)

    async def _give_back(self, conn: asyncpg.Connection, shard: int) -> None:
        """Stop reading first (the batch in hand is finished), then unlock for the next one."""
        try:
            await self._on_release(shard)
        finally:
            self.owned.discard(shard)
            await conn.execute("SELECT pg_advisory_unlock($1, $2)", self._lock_key, shard)
        log.info("%s: gave partition %d back", self._config.service, shard)

    async def _lost(self) -> None:
        """The lock connection is gone, and its locks with it: stop reading everything."""
        log.error("%s: lost the PostgreSQL session holding its partitions", self._config.service)
        for shard in sorted(self.owned):
            await self._on_release(shard)
        self.owned.clear()
        self._conn = None

    async def release_all(self) -> None:
        """Shutdown: stop reading, unlock, leave the member set, close the lock session."""
        conn, self._conn = self._conn, None
        for shard in sorted(self.owned):
            try:
                await self._on_release(shard)
            except Exception:
                log.exception("%s: stopping partition %d failed", self._config.service, shard)
        self.owned.clear()
        try:
            await self._redis.zrem(self._members_key, self._config.member)
        except RedisError as exc:
            log.warning("%s: could not leave the member set: %s", self._config.service, exc)
        if conn is not None and not conn.is_closed():
            await conn.close()  # ends the session: PostgreSQL frees every lock it held
