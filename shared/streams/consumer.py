"""Batch consumption that loses nothing: groups at id 0, explicit reclaim, dead-lettering.

FastStream delivers new entries in batches (`>` reads). What it does not do is tracked here:
- groups are created at id 0 before any subscriber starts (FastStream would create them at `$`
  and skip everything published earlier);
- entries left pending by a failed handler or a dead process are reclaimed with XAUTOCLAIM
  after an idle time, retried one by one, and dead-lettered with the error after N deliveries;
- entries that are not valid events never reach a handler: they are dead-lettered at once;
- a retry that fails because Redis or PostgreSQL is unreachable uses up no attempt: the entry
  stays pending until the dependency is back (`shared.streams.outages`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from faststream.message import StreamMessage
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from pydantic import BaseModel, ValidationError
from redis.exceptions import ResponseError

from shared.clock import utcnow
from shared.metrics import BATCH_SIZE, DEAD_LETTERED, STREAM_MESSAGES
from shared.redis_connection import AsyncRedis
from shared.streams.codec import UndecodableEntry, decode
from shared.streams.outages import DependencyDown, is_outage

log = logging.getLogger(__name__)

EventT = TypeVar("EventT", bound=BaseModel)


@dataclass(frozen=True)
class Delivery(Generic[EventT]):
    """One decoded stream entry; `attempt` is 1 on first delivery."""

    entry_id: str
    event: EventT
    attempt: int = 1


BatchHandler = Callable[[Sequence[Delivery[EventT]]], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerConfig:
    batch_size: int
    block_ms: int
    reclaim_idle_ms: int
    reclaim_interval_s: float
    max_attempts: int


async def ensure_group(redis: AsyncRedis, stream: str, group: str) -> None:
    """Create the group at id 0 so entries published before the first start are not skipped."""
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def _parse_ids_only(
    message: Mapping[str, Any],
    original: Callable[[Mapping[str, Any]], Awaitable[StreamMessage[Any]]],
) -> StreamMessage[Any]:
    """Skip FastStream's body parsing: it fails a whole batch on one non-UTF-8 entry (and parses,
    re-dumps and re-parses every entry); `process` decodes each entry and dead-letters the bad."""
    parsed = await original({**message, "data": []})
    parsed.raw_message = message
    return parsed


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class StreamConsumer(Generic[EventT]):
    """One service's subscription to one stream, with its reclaimer."""

    def __init__(
        self,
        *,
        redis: AsyncRedis,
        stream: str,
        logical_name: str,
        group: str,
        consumer: str,
        model: type[EventT],
        handler: BatchHandler[EventT],
        dead_letter_stream: str,
        config: ConsumerConfig,
    ) -> None:
        self._redis = redis
        self.stream = stream
        self._logical = logical_name
        self.group = group
        self._consumer = consumer
        self._model = model
        self._handler = handler
        self._dead_letter = dead_letter_stream
        self._config = config
        self._subscriber: Any = None

    def subscribe(self, broker: RedisBroker) -> Any:
        """Register the batch subscriber and return it; call `ensure_group` first. Registered
        before the broker starts, the broker starts it; after, the caller does (`start`)."""
        sub = StreamSub(
            self.stream,
            group=self.group,
            consumer=self._consumer,
            batch=True,
            max_records=self._config.batch_size,
            polling_interval=self._config.block_ms,
        )

        subscriber = broker.subscriber(stream=sub, parser=_parse_ids_only)

        @subscriber
        async def on_batch(msg: RedisBatchStreamMessage) -> None:
            raw = msg.raw_message
            ids = [_text(i) for i in raw["message_ids"]]
            await self.process(list(zip(ids, raw["data"], strict=True)), attempts={})

        self._subscriber = subscriber
        return subscriber

    async def start(self, broker: RedisBroker) -> None:
        """Read this stream from now on, on a broker that is already running. The subscriber
        is registered once and restarted on later calls: a partition that comes and goes adds
        nothing to the broker."""
        subscriber = self._subscriber if self._subscriber is not None else self.subscribe(broker)
        if not subscriber.running:
            await subscriber.start()

    async def stop(self) -> None:
        """Stop reading: FastStream lets the batch in hand finish (its graceful timeout), then
        cancels its reading task; that task is waited for here, so when this returns nothing of
        this consumer is still handling or committing a batch (the partition's lock may go).
        Entries a last read fetched without handling stay pending for whoever reads next."""
        subscriber = self._subscriber
        if subscriber is None or not subscriber.running:
            return
        tasks = list(getattr(subscriber, "tasks", ()))
        await subscriber.stop()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def take_over(self) -> int:
        """Claim every entry still pending in the group — a previous reader's unfinished work —
        and handle it in stream order before any new entry; returns how many there were.

        Called by a partition's new owner only, so nobody else is working on these entries.
        """
        handled, cursor = 0, "0-0"
        while True:
            cursor, count = await self._claim_and_retry(self._consumer, 0, cursor)
            handled += count
            if cursor == "0-0":
                return handled

    async def revive_subscriber(self, stop: asyncio.Event) -> bool:
        """FastStream stops a subscriber for good when its group vanished (a Redis that came back
        empty, a deleted stream) and the process would idle while /healthz says ok: recreate the
        group at 0 and start the subscriber again. Returns whether it did."""
        subscriber = self._subscriber
        if subscriber is None or subscriber.running or stop.is_set():
            return False
        log.error(
            "subscriber of %s (group %s) had stopped; recreating the group and restarting it",
            self.stream,
            self.group,
            extra={"stream": self.stream, "group": self.group},
        )
        await ensure_group(self._redis, self.stream, self.group)
        if stop.is_set():
            return False
        await subscriber.start()
        return True

    async def process(
        self, entries: Sequence[tuple[str, dict[bytes, bytes]]], attempts: dict[str, int]
    ) -> None:
        """Decode, dead-letter what is not an event, hand the rest to the handler as one batch."""
        good: list[Delivery[EventT]] = []
        bad: list[tuple[str, dict[bytes, bytes], str]] = []
        for entry_id, fields in entries:
            try:
                event = self._model.model_validate(decode(fields))
            except (UndecodableEntry, ValidationError) as exc:
                bad.append((entry_id, fields, f"{type(exc).__name__}: {exc}"))
                continue
            good.append(Delivery(entry_id, event, attempts.get(entry_id, 1)))
        if bad:
            await self._dead_letter_entries(bad, attempts)
        if good:
            BATCH_SIZE.labels(self._logical, self.group).observe(len(good))
            await self._handler(good)
            STREAM_MESSAGES.labels(self._logical, self.group, "processed").inc(len(good))

    async def _dead_letter_entries(
        self, bad: Sequence[tuple[str, dict[bytes, bytes], str]], attempts: dict[str, int]
    ) -> None:
        pipe = self._redis.pipeline(transaction=True)
        now = utcnow().isoformat()
        for entry_id, fields, error in bad:
            record = {
                "source_stream": self.stream,
                "source_id": entry_id,
                "group": self.group,
                "attempts": attempts.get(entry_id, 1),
                "error": error[:2000],
                "failed_at": now,
                "fields": {
                    _text(k): v.decode(errors="replace") if isinstance(v, bytes) else str(v)
                    for k, v in fields.items()
                },
            }
            pipe.xadd(self._dead_letter, {b"__data__": json.dumps(record).encode()})
            pipe.xack(self.stream, self.group, entry_id)
            log.error(
                "dead-lettered entry %s of %s: %s",
                entry_id,
                self.stream,
                error,
                extra={"stream": self.stream, "entry_id": entry_id, "group": self.group},
            )
        await pipe.execute()
        DEAD_LETTERED.labels(self._logical, self.group).inc(len(bad))
        STREAM_MESSAGES.labels(self._logical, self.group, "dead_lettered").inc(len(bad))

    async def reclaim_once(self, reclaimer: str) -> int:
        """Claim entries idle past the threshold and retry them one by one; returns the count."""
        _cursor, count = await self._claim_and_retry(reclaimer, self._config.reclaim_idle_ms, "0-0")
        return count

    async def _claim_and_retry(self, claimer: str, min_idle_ms: int, start: str) -> tuple[str, int]:
        """One XAUTOCLAIM page from `start`, each entry retried with its delivery count; returns
        the cursor for the next page ("0-0" at the end) and how many entries there were."""
        answer = await self._redis.xautoclaim(
            self.stream,
            self.group,
            claimer,
            min_idle_time=min_idle_ms,
            start_id=start,
            count=self._config.batch_size,
        )
        cursor, claimed = _text(answer[0]), answer[1]  # Redis 7 adds deleted ids; 6.2 does not
        entries = [(_text(i), f) for i, f in claimed if f is not None]
        if not entries:
            return cursor, 0
        pending = await self._redis.xpending_range(
            self.stream,
            self.group,
            min=entries[0][0],
            max=entries[-1][0],
            count=len(entries),
            consumername=claimer,
        )
        attempts = {_text(p["message_id"]): int(p["times_delivered"]) for p in pending}
        for entry_id, fields in entries:
            await self._retry_one(entry_id, fields, attempts)
        return cursor, len(entries)

    async def _retry_one(
        self, entry_id: str, fields: dict[bytes, bytes], attempts: dict[str, int]
    ) -> None:
        try:
            await self.process([(entry_id, fields)], attempts)
        except Exception as exc:  # noqa: BLE001 - the failure is recorded, never swallowed
            attempt = attempts.get(entry_id, 1)
            if is_outage(exc):
                STREAM_MESSAGES.labels(self._logical, self.group, "failed").inc()
                raise DependencyDown(
                    f"retry of {entry_id} on {self.stream} (group {self.group}) failed: "
                    f"{type(exc).__name__}: {exc}; left pending until the dependency is back"
                ) from exc
            if attempt >= self._config.max_attempts:
                await self._dead_letter_entries(
                    [(entry_id, fields, f"{type(exc).__name__}: {exc}")], attempts
                )
            else:
                STREAM_MESSAGES.labels(self._logical, self.group, "failed").inc()
                log.warning(
                    "retry %d/%d of %s failed: %s",
                    attempt,
                    self._config.max_attempts,
                    entry_id,
                    exc,
                    extra={"stream": self.stream, "entry_id": entry_id},
                )
            return
        await self._redis.xack(self.stream, self.group, entry_id)

    async def run_reclaimer(self, reclaimer: str, stop: asyncio.Event) -> None:
        """Loop until `stop` is set, reviving a stopped subscriber; errors are logged, retried."""
        while not stop.is_set():
            try:
                await self.revive_subscriber(stop)
                while await self.reclaim_once(reclaimer) and not stop.is_set():
                    pass
            except DependencyDown as exc:
                log.warning("%s", exc, extra={"stream": self.stream, "group": self.group})
            except Exception:
                log.exception("reclaim of %s failed; will retry", self.stream)
            try:
                await asyncio.wait_for(stop.wait(), timeout=self._config.reclaim_interval_s)
            except TimeoutError:
                pass
