"""The consumer plumbing against the real Redis: batches, dead-letters, reclaim after failure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import pytest
from faststream.redis import RedisBroker
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from shared.contracts import Author, Comment, CommentReceived
from shared.streams.consumer import ConsumerConfig, Delivery, StreamConsumer, ensure_group
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.streams import raw_entries

pytestmark = pytest.mark.integration


def _event(n: int) -> CommentReceived:
    now = datetime.now(UTC)
    return CommentReceived(
        occurred_at=now,
        correlation_id=f"facebook:c{n}",
        account_id="1001",
        comment=Comment(
            platform="facebook",
            account_id="1001",
            comment_id=f"c{n}",
            post_id="p1",
            thread_id=f"facebook:c{n}",
            author=Author(id="a1", name="Jane"),
            text=f"comment {n}",
            created_at=now,
        ),
    )


async def _until(predicate: Callable[[], Awaitable[bool]]) -> None:
    deadline = asyncio.get_running_loop().time() + 10.0
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def _batch_metric(suffix: str) -> float:
    labels = {"stream": "comments", "group": "test"}
    return REGISTRY.get_sample_value(f"sc_stream_batch_size_{suffix}", labels) or 0.0


async def test_entries_published_before_start_are_consumed_and_failures_reclaimed(
    redis: Redis, redis_url: str, stream_prefix: str
) -> None:
    names = StreamNames(stream_prefix)
    batches_before, entries_before = _batch_metric("count"), _batch_metric("sum")
    publisher = EventPublisher(redis, maxlen=10_000)
    seen: list[str] = []
    failures = {"c3": 2}  # c3 fails twice, then succeeds on the third delivery

    async def handler(batch: Sequence[Delivery[CommentReceived]]) -> None:
        for delivery in batch:
            cid = delivery.event.comment.comment_id
            if failures.get(cid, 0) > 0:
                failures[cid] -= 1
                raise RuntimeError(f"transient failure for {cid}")
        seen.extend(d.event.comment.comment_id for d in batch)

    # Published before the group exists: must not be skipped.
    await publisher.publish((names.comments, _event(n)) for n in range(3))
    await redis.xadd(names.comments, {b"__data__": b"{not json"})
    await redis.xadd(names.comments, {b"__data__": json.dumps({"event_type": "x"}).encode()})

    broker = RedisBroker(redis_url)
    consumer = StreamConsumer(
        redis=redis,
        stream=names.comments,
        logical_name="comments",
        group="test",
        consumer="worker-1",
        model=CommentReceived,
        handler=handler,
        dead_letter_stream=names.dead_letter,
        config=ConsumerConfig(
            batch_size=50, block_ms=50, reclaim_idle_ms=200, reclaim_interval_s=0.1, max_attempts=5
        ),
    )
    consumer.subscribe(broker)
    await ensure_group(redis, names.comments, "test")
    stop = asyncio.Event()
    await broker.start()
    reclaimer = asyncio.create_task(consumer.run_reclaimer("worker-1-reclaim", stop))
    try:
        await publisher.publish((names.comments, _event(n)) for n in range(3, 6))

        async def all_seen() -> bool:
            return sorted(seen) == [f"c{n}" for n in range(6)]

        await _until(all_seen)
        pending = await redis.xpending(names.comments, "test")
        assert pending["pending"] == 0
        dead = raw_entries(await redis.xrange(names.dead_letter))
        assert len(dead) == 2
        records = [json.loads(fields[b"__data__"]) for _id, fields in dead]
        assert {r["group"] for r in records} == {"test"}
        assert any("not JSON" in r["error"] for r in records)
        assert any("ValidationError" in r["error"] for r in records)
        # Every handler call is observed with its size, failed ones and retries included.
        assert _batch_metric("count") - batches_before >= 2
        assert _batch_metric("sum") - entries_before >= 6 + 2
    finally:
        stop.set()
        await broker.stop()
        await reclaimer


async def test_poison_entry_is_dead_lettered_after_max_attempts(
    redis: Redis, redis_url: str, stream_prefix: str
) -> None:
    names = StreamNames(stream_prefix)
    attempts_seen: list[int] = []

    async def always_fails(batch: Sequence[Delivery[CommentReceived]]) -> None:
        attempts_seen.extend(d.attempt for d in batch)
        raise RuntimeError("database rejected it")

    consumer = StreamConsumer(
        redis=redis,
        stream=names.comments,
        logical_name="comments",
        group="test",
        consumer="worker-1",
        model=CommentReceived,
        handler=always_fails,
        dead_letter_stream=names.dead_letter,
        config=ConsumerConfig(
            batch_size=10, block_ms=50, reclaim_idle_ms=0, reclaim_interval_s=0.05, max_attempts=3
        ),
    )
    await ensure_group(redis, names.comments, "test")
    await EventPublisher(redis, maxlen=1000).publish([(names.comments, _event(1))])
    # Simulate a consumer that read the entry and died without acking.
    await redis.xreadgroup("test", "dead-worker", {names.comments: ">"}, count=10)
    for _ in range(5):
        await consumer.reclaim_once("worker-2")
    assert attempts_seen == [2, 3]
    dead = raw_entries(await redis.xrange(names.dead_letter))
    assert len(dead) == 1
    record = json.loads(dead[0][1][b"__data__"])
    assert record["attempts"] == 3
    assert "database rejected it" in record["error"]
    assert (await redis.xpending(names.comments, "test"))["pending"] == 0
