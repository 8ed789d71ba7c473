"""Partition ownership against the real PostgreSQL and Redis: fair shares, hand-over, failover."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from shared.db.session import asyncpg_dsn
from shared.streams.names import StreamNames
from shared.streams.ownership import OwnershipConfig, PartitionOwner

pytestmark = pytest.mark.integration


class Reader:
    """What a service does on acquire/release, recorded; a partition read twice at once fails."""

    def __init__(self, name: str, reading: dict[int, str]) -> None:
        self.name = name
        self.reading = reading
        self.acquired: list[int] = []

    async def acquire(self, shard: int) -> None:
        assert shard not in self.reading, f"{self.name} got {shard}, read by {self.reading}"
        self.reading[shard] = self.name
        self.acquired.append(shard)

    async def release(self, shard: int) -> None:
        assert self.reading.pop(shard, self.name) == self.name  # absent: its process had died


def _owner(
    name: str, database_url: str, names: StreamNames, redis: Redis, reader: Reader
) -> PartitionOwner:
    config = OwnershipConfig(
        service="svc",
        member=name,
        database_dsn=asyncpg_dsn(database_url),
        interval_s=0.1,
        member_ttl_s=0.5,
    )
    return PartitionOwner(config, names, redis, reader.acquire, reader.release)


async def test_replicas_share_partitions_and_a_dead_ones_are_taken_over(
    redis: Redis, database_url: str, stream_prefix: str
) -> None:
    names = StreamNames(stream_prefix, shards=4)
    reading: dict[int, str] = {}
    a_reader, b_reader = Reader("a", reading), Reader("b", reading)
    a = _owner("a", database_url, names, redis, a_reader)
    b = _owner("b", database_url, names, redis, b_reader)
    try:
        await a.tick()
        assert a.owned == {0, 1, 2, 3}
        await b.tick()  # two members now, but every lock is a's
        assert b.owned == set()
        await a.tick()  # a sees two members and gives back its surplus
        assert len(a.owned) == 2
        await b.tick()
        assert len(b.owned) == 2 and a.owned | b.owned == {0, 1, 2, 3}

        assert a._conn is not None
        a._conn.terminate()  # a crashes: its session, and with it its locks, is gone
        for shard in a.owned:
            del reading[shard]
        await asyncio.sleep(0.6)  # and it stops heart-beating
        await b.tick()
        assert b.owned == {0, 1, 2, 3}
        assert sorted(b_reader.acquired) == [0, 1, 2, 3]

        assert a.owned  # a's process lives on, believing it reads what its dead session held
        await a.tick()  # the session check lets it go, instead of reading beside b
        assert a.owned == set() and a._conn is None
        await a.tick()  # a fresh session: a joins again and waits for b's surplus
        await b.tick()
        await a.tick()
        assert len(a.owned) == 2 and a.owned | b.owned == {0, 1, 2, 3}
    finally:
        await b.release_all()
        await a.release_all()
    assert reading == {}
    assert await redis.zcard(names.key("members:svc")) == 0
