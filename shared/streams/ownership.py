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

Every round first checks the lock session, with a bounded wait, against PostgreSQL's own list
of the locks it holds; a session in doubt is closed and everything it read is let go.
Known limit: a process cut off from PostgreSQL finds out at that check (OWNERSHIP_INTERVAL_S);
a batch it already had in hand may meanwhile be handled beside the new owner's first one. It
cannot commit without PostgreSQL, so that batch is redelivered, not applied twice — unless only
the lock session was cut while the pool's connections still work, a window of one interval.
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
from redis.exceptions import RedisError

from shared.redis_connection import AsyncRedis
from shared.streams.names import StreamNames

log = logging.getLogger(__name__)

ShardHook = Callable[[int], Awaitable[None]]


class LocksLost(Exception):
    """The PostgreSQL session no longer holds what this process reads."""


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
        redis: AsyncRedis,
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
        """One check, heartbeat and rebalance. The PostgreSQL session is checked first, with a
        timeout, and its locks are compared with what this process reads: a session gone (a
        failover, a dropped connection) means stop reading everything and leave the member set,
        so nobody counts on a process that holds nothing. A Redis failure skips the round."""
        try:
            conn = await self._connection()
            await self._verify(conn)
        except Exception as exc:  # noqa: BLE001 - any doubt about the locks: let them all go
            log.warning(
                "%s: the session holding the partitions failed (%s: %s); reading nothing until "
                "it is back",
                self._config.service,
                type(exc).__name__,
                exc,
            )
            await self._abandon()
            return
        try:
            members = await self._heartbeat()
            target = fair_share(self._names.shards, members)
            for shard in surplus(frozenset(self.owned), target):
                await self._give_back(conn, shard)
            for shard in candidates(frozenset(self.owned), self._names.shards, self._start):
                if len(self.owned) >= target:
                    break
                await self._try(conn, shard)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any one failure
            log.warning(
                "%s: partitions not rebalanced (%s: %s); retrying",
                self._config.service,
                type(exc).__name__,
                exc,
            )

    async def _verify(self, conn: asyncpg.Connection) -> None:
        """Raises unless this session still holds the lock of every partition read here."""
        rows = await conn.fetch(
            "SELECT objid::bigint AS shard FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid() AND objsubid = 2 AND classid::bigint = $1",
            self._lock_key % (1 << 32),  # pg_locks shows the signed key as an unsigned oid
        )
        held = {int(row["shard"]) for row in rows}
        if missing := self.owned - held:
            raise LocksLost(f"the session no longer holds partitions {sorted(missing)}")
        if extra := held - self.owned:  # granted while the answer was lost (a timeout)
            raise LocksLost(f"the session holds partitions {sorted(extra)} nobody reads")

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
            raise LocksLost("the session holding the partitions closed")
        if self._conn is None:
            # Every statement is bounded: a PostgreSQL that stopped answering must not hang the
            # loop while the heartbeat says this process is alive.
            timeout = max(1.0, min(5.0, self._config.member_ttl_s / 2))
            self._conn = await asyncpg.connect(self._config.database_dsn, command_timeout=timeout)
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
        """Stop reading first (the batch in hand is finished), then unlock for the next one.

        A reader that would not stop, or an unlock that failed, leaves the lock in doubt: the
        whole session is given up then (closing it frees every lock for certain).
        """
        try:
            await self._on_release(shard)
            self.owned.discard(shard)
            unlocked = await conn.fetchval(
                "SELECT pg_advisory_unlock($1, $2)", self._lock_key, shard
            )
            if not unlocked:
                raise LocksLost(f"partition {shard} was not locked by this session")
        except Exception as exc:  # noqa: BLE001 - in doubt: let them all go
            log.warning(
                "%s: giving partition %d back failed (%s: %s); closing the session",
                self._config.service,
                shard,
                type(exc).__name__,
                exc,
            )
            await self._abandon()
            return
        log.info("%s: gave partition %d back", self._config.service, shard)

    async def _abandon(self, *, closing: bool = False) -> None:
        """Stop reading everything, leave the member set, end the lock session (PostgreSQL frees
        every lock it held). A session in doubt is dropped without a round trip to a server
        that may not answer; at shutdown (`closing`) it is closed politely."""
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
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            if closing:
                await conn.close()
            else:
                conn.terminate()

    async def release_all(self) -> None:
        """Shutdown: stop reading, leave the member set, close the lock session."""
        await self._abandon(closing=True)
