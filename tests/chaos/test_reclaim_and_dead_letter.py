"""Pending entries of a dead consumer are reclaimed; poison entries are dead-lettered and
`steam-connect dlq list/replay` inspects and re-drives them, against the real Redis."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from faststream.redis import RedisBroker
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from shared.contracts import CommentReceived
from shared.streams.consumer import Delivery, StreamConsumer, ensure_group
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from steam_connect import dlq
from tests.chaos.helpers import comment_event, fast_config, until
from tests.cli import run_cli
from tests.streams import raw_entries, read_entries

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _consumer(
    redis: Redis, names: StreamNames, handler: object, *, name: str, max_attempts: int = 3
) -> StreamConsumer[CommentReceived]:
    return StreamConsumer(
        redis=redis,
        stream=names.comments,
        logical_name="comments",
        group="chaos",
        consumer=name,
        model=CommentReceived,
        handler=handler,  # type: ignore[arg-type]
        dead_letter_stream=names.dead_letter,
        config=fast_config(max_attempts),
    )


async def test_a_dead_consumers_pending_entries_are_processed_once_by_the_survivor(
    redis: Redis, redis_url: str, stream_prefix: str
) -> None:
    names = StreamNames(stream_prefix)
    seen: Counter[str] = Counter()

    async def handler(batch: Sequence[Delivery[CommentReceived]]) -> None:
        seen.update(d.event.comment.comment_id for d in batch)

    await ensure_group(redis, names.comments, "chaos")
    await EventPublisher(redis, 10_000).publish(
        (names.comments, comment_event(n)) for n in range(120)
    )
    # The dead consumer read 80 entries and was SIGKILLed before acking any of them.
    taken = await redis.xreadgroup("chaos", "dead-worker", {names.comments: ">"}, count=80)
    assert len(read_entries(taken)) == 80
    survivor = _consumer(redis, names, handler, name="survivor")
    broker = RedisBroker(redis_url)
    survivor.subscribe(broker)
    stop = asyncio.Event()
    await broker.start()
    reclaim = asyncio.create_task(survivor.run_reclaimer("survivor-reclaim", stop))
    try:
        await until(lambda: _async(len(seen) == 120), "all 120 entries handled")
        await until(lambda: _pending_zero(redis, names.comments), "the dead consumer's PEL drained")
    finally:
        stop.set()
        await broker.stop()
        await reclaim
    assert set(seen.values()) == {1}, f"handled more than once: {seen.most_common(3)}"
    consumers = {
        c["name"]: c["pending"] for c in await redis.xinfo_consumers(names.comments, "chaos")
    }
    assert consumers.get(b"dead-worker", consumers.get("dead-worker")) == 0
    assert await redis.xlen(names.dead_letter) == 0


async def _async(value: bool) -> bool:
    return value


async def _pending_zero(redis: Redis, stream: str) -> bool:
    return int((await redis.xpending(stream, "chaos"))["pending"]) == 0


def _cli(*args: str, redis_url: str, prefix: str) -> subprocess.CompletedProcess[str]:
    return run_cli("dlq", *args, env={"REDIS_URL": redis_url, "STREAM_PREFIX": prefix})


async def _poison_then_heal(
    redis: Redis, names: StreamNames, broken: set[str], seen: list[str]
) -> StreamConsumer[CommentReceived]:
    async def handler(batch: Sequence[Delivery[CommentReceived]]) -> None:
        bad = [d.event.comment.comment_id for d in batch if d.event.comment.comment_id in broken]
        if bad:
            raise RuntimeError(f"constraint violated for {bad}")
        seen.extend(d.event.comment.comment_id for d in batch)

    return _consumer(redis, names, handler, name="worker", max_attempts=3)


async def test_a_poison_entry_is_dead_lettered_listed_and_replayed(
    redis: Redis, redis_url: str, stream_prefix: str
) -> None:
    names = StreamNames(stream_prefix)
    broken = {"r-c1"}
    seen: list[str] = []
    consumer = await _poison_then_heal(redis, names, broken, seen)
    await ensure_group(redis, names.comments, "chaos")
    await EventPublisher(redis, 10_000).publish(
        (names.comments, comment_event(n)) for n in range(3)
    )
    await redis.xadd(names.comments, {b"__data__": b"{not json"})
    await redis.xreadgroup("chaos", "worker", {names.comments: ">"}, count=10)  # worker dies
    consumer._config = fast_config(3)
    for _ in range(6):
        await asyncio.sleep(0.25)
        await consumer.reclaim_once("worker-reclaim")
    assert sorted(seen) == ["r-c0", "r-c2"]
    assert await redis.xlen(names.dead_letter) == 2

    listed = _cli("list", "--json", redis_url=redis_url, prefix=names.prefix)
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    by_error = {("not JSON" in r["error"]): r for r in rows}
    poison = by_error[False]
    assert poison["stream"] == names.comments and poison["group"] == "chaos"
    assert poison["attempts"] == 3 and "constraint violated" in poison["error"]
    assert by_error[True]["attempts"] == 2  # read by the dead worker, then reclaimed once
    assert set(rows[0]) == {"id", "stream", "source_id", "group", "attempts", "error", "failed_at"}
    table = _cli("list", redis_url=redis_url, prefix=names.prefix)
    assert table.stdout.startswith("2 dead-lettered entries"), table.stdout

    refused = _cli("replay", redis_url=redis_url, prefix=names.prefix)
    assert refused.returncode == 2 and await redis.xlen(names.dead_letter) == 2

    broken.clear()  # the bug is fixed: re-drive only the poison entry, by id
    replayed = _cli("replay", "--id", poison["id"], redis_url=redis_url, prefix=names.prefix)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.startswith(f"replayed {poison['id']} to {names.comments}")
    assert await redis.xlen(names.dead_letter) == 1
    fresh = await redis.xreadgroup("chaos", "worker", {names.comments: ">"}, count=10)
    entries = [(i.decode(), f) for i, f in read_entries(fresh)]
    await consumer.process(entries, attempts={})
    assert sorted(seen) == ["r-c0", "r-c1", "r-c2"]


def test_replay_is_atomic_per_entry_and_filters_by_group(
    redis_url: str, stream_prefix: str
) -> None:
    names = StreamNames(stream_prefix)
    client = SyncRedis.from_url(redis_url)
    try:
        for group in ("triage", "responder"):
            record = {
                "source_stream": names.decisions,
                "source_id": "1-0",
                "group": group,
                "attempts": 5,
                "error": "boom",
                "failed_at": "2026-11-20T10:00:00+00:00",
                "fields": {"__data__": json.dumps({"group": group})},
            }
            client.xadd(names.dead_letter, {"__data__": json.dumps(record)})
        letters = dlq.entries(client, names, group="responder")
        assert [d.group for d in letters] == ["responder"]
        first = dlq.replay(client, names, letters, maxlen=1_000)
        again = dlq.replay(client, names, letters, maxlen=1_000)  # a second operator, too late
        assert len(first) == 1 and again == []
        assert client.xlen(names.decisions) == 1
        assert [d.group for d in dlq.entries(client, names)] == ["triage"]
        ((_id, fields),) = raw_entries(client.xrange(names.decisions))
        assert json.loads(fields[b"__data__"]) == {"group": "responder"}
        forged = {**record, "source_stream": "elsewhere:stream"}
        client.xadd(names.dead_letter, {"__data__": json.dumps(forged)})
        with pytest.raises(dlq.DeadLetterError, match="refusing"):
            dlq.replay(client, names, dlq.entries(client, names, group="responder"), 1_000)
    finally:
        client.close()


async def test_a_new_partition_owner_handles_the_old_readers_entries_first_and_in_order(
    redis: Redis, stream_prefix: str
) -> None:
    """`take_over`: what the previous owner read but never acknowledged, at once (no idle time
    to wait out: nobody else may hold the partition) and in stream order, across pages."""
    names = StreamNames(stream_prefix)
    order: list[str] = []

    async def handler(batch: Sequence[Delivery[CommentReceived]]) -> None:
        order.extend(d.event.comment.comment_id for d in batch)

    await ensure_group(redis, names.comments, "chaos")
    await EventPublisher(redis, 10_000).publish(
        (names.comments, comment_event(n)) for n in range(130)
    )
    taken = await redis.xreadgroup("chaos", "old-owner", {names.comments: ">"}, count=120)
    assert len(read_entries(taken)) == 120
    owner = _consumer(redis, names, handler, name="new-owner")  # pages of 50 (fast_config)
    assert await owner.take_over() == 120
    assert order == [f"r-c{n}" for n in range(120)]
    assert int((await redis.xpending(names.comments, "chaos"))["pending"]) == 0
    assert await owner.take_over() == 0  # nothing left: the 10 unread ones are for `>` reads


async def test_a_partition_given_back_and_taken_again_is_read_again(
    redis: Redis, redis_url: str, stream_prefix: str
) -> None:
    """Stop, take over, start: the same subscriber reads on, and nothing published meanwhile
    is missed (a last read during the stop is taken over, the rest read)."""
    names = StreamNames(stream_prefix)
    seen: list[str] = []

    async def handler(batch: Sequence[Delivery[CommentReceived]]) -> None:
        seen.extend(d.event.comment.comment_id for d in batch)

    await ensure_group(redis, names.comments, "chaos")
    consumer = _consumer(redis, names, handler, name="owner")
    publisher = EventPublisher(redis, 10_000)
    broker = RedisBroker(redis_url)
    await broker.start()
    try:
        await consumer.start(broker)
        await publisher.publish([(names.comments, comment_event(1))])
        await until(lambda: _async(seen == ["r-c1"]), "read while owned")
        await consumer.stop()
        await publisher.publish([(names.comments, comment_event(2))])
        await consumer.take_over()
        await consumer.start(broker)
        await publisher.publish([(names.comments, comment_event(3))])
        await until(lambda: _async(sorted(seen) == ["r-c1", "r-c2", "r-c3"]), "read again", 10)
        assert len(broker.subscribers) == 1, "one subscriber, restarted"
    finally:
        await consumer.stop()
        await broker.stop()
    assert seen == ["r-c1", "r-c2", "r-c3"]
