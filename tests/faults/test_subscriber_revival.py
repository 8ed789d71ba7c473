"""A Redis that comes back without its data (or a deleted stream) makes FastStream stop the
subscriber for good; the reclaimer loop recreates the group and restarts it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from shared.contracts import CommentReceived
from shared.streams.consumer import Delivery, StreamConsumer, ensure_group
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.chaos.helpers import comment_event, fast_config, until

pytestmark = pytest.mark.integration


async def test_a_subscriber_whose_group_vanished_is_revived(
    redis: Redis, redis_url: str, stream_prefix: str
) -> None:
    names = StreamNames(stream_prefix)
    seen: list[str] = []

    async def handler(batch: Sequence[Delivery[CommentReceived]]) -> None:
        seen.extend(d.event.comment.comment_id for d in batch)

    consumer = StreamConsumer(
        redis=redis,
        stream=names.comments,
        logical_name="comments",
        group="revival",
        consumer="worker",
        model=CommentReceived,
        handler=handler,
        dead_letter_stream=names.dead_letter,
        config=fast_config(),
    )
    broker = RedisBroker(redis_url)
    consumer.subscribe(broker)
    publisher = EventPublisher(redis, 10_000)
    await ensure_group(redis, names.comments, "revival")
    stop = asyncio.Event()
    await broker.start()
    reclaimer = asyncio.create_task(consumer.run_reclaimer("worker-reclaim", stop))
    try:
        await publisher.publish([(names.comments, comment_event(1))])
        await until(lambda: _is(seen == ["r-c1"]), "first event handled")
        await redis.delete(names.comments)  # what a Redis restarted without its AOF looks like
        await asyncio.sleep(0.3)  # FastStream meets NOGROUP and stops the subscriber
        await publisher.publish([(names.comments, comment_event(2))])
        await until(lambda: _is(seen == ["r-c1", "r-c2"]), "handled after the revival", 10)
        assert consumer._subscriber.running
    finally:
        stop.set()
        await broker.stop()
        await reclaimer
    assert not consumer._subscriber.running
    assert await consumer.revive_subscriber(stop) is False, "never revived after stop"


async def _is(value: bool) -> bool:
    return value
