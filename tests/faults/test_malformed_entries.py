"""Malformed stream entries reach every consumer group of every service and end in the
dead-letter stream with the error, while the consumers go on (real Redis and PostgreSQL)."""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from shared.settings import Settings
from shared.streams.names import StreamNames
from tests.chaos.helpers import comment_event, until

pytestmark = pytest.mark.integration

EXPECTED_GROUPS = {
    "ingest": set(),
    "triage": {"comments", "actions", "commands", "alerts"},
    "responder": {"decisions", "commands"},
    "reporting": {"comments", "decisions", "actions", "timers", "exchanges"},
}
HUGE = 4 * 1024 * 1024


def malformed(stream: str, names: StreamNames) -> Iterator[tuple[str, dict[bytes, bytes]]]:
    """(what, fields) of entries no consumer may hand to a handler, nor leave pending."""
    valid = json.loads(comment_event(1, run=stream.rsplit(":", 1)[-1]).model_dump_json())
    yield "no data field", {b"payload": b"{}"}
    yield "not JSON", {b"__data__": b"{not json"}
    yield "not UTF-8", {b"__data__": b"\xff\xfe\x00garbage"}
    yield "a JSON list", {b"__data__": b"[1, 2, 3]"}
    yield "a JSON string", {b"__data__": b'"comment.received"'}
    yield "empty object", {b"__data__": b"{}"}
    yield "wrong shape", {b"__data__": json.dumps({**valid, "occurred_at": "yesterday"}).encode()}
    yield "unknown field", {b"__data__": json.dumps({**valid, "admin": True}).encode()}
    yield "wrong event type", {b"__data__": json.dumps({**valid, "event_type": "x.y"}).encode()}
    if stream != names.comments:
        yield "another stream's event", {b"__data__": json.dumps(valid).encode()}
    deep = b'{"event_type": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    yield "nested 100000 deep", {b"__data__": deep}
    huge = {**valid, "comment": {**valid["comment"], "text": "x" * HUGE}}
    yield "huge (4 MiB)", {b"__data__": json.dumps(huge).encode()}


@asynccontextmanager
async def running(app: FastAPI) -> Any:
    async with app.router.lifespan_context(app):
        yield


async def consumed_streams(redis: Redis, names: StreamNames, group: str) -> set[str]:
    """Logical names of the streams on which the service created its group."""
    found = set()
    for logical in (
        "comments",
        "decisions",
        "actions",
        "timers",
        "alerts",
        "exchanges",
        "commands",
    ):
        stream = getattr(names, logical)
        if not await redis.exists(stream):
            continue
        groups = {_text(g["name"]) for g in await redis.xinfo_groups(stream)}
        if group in groups:
            found.add(logical)
    return found


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def dead_letters(redis: Redis, names: StreamNames) -> dict[tuple[str, str, str], Any]:
    """(source stream, group, source id) → dead-letter record."""
    records = {}
    for _id, fields in await redis.xrange(names.dead_letter) or []:
        record = json.loads((fields or {})[b"__data__"])
        records[(record["source_stream"], record["group"], record["source_id"])] = record
    return records


async def publish(redis: Redis, stream: str, names: StreamNames) -> dict[str, str]:
    """Entry id → what is wrong with it."""
    ids = {}
    for what, fields in malformed(stream, names):
        entry_id = await redis.xadd(stream, fields)  # type: ignore[arg-type]
        ids[_text(entry_id)] = what
    return ids


async def settled(redis: Redis, stream: str, group: str) -> bool:
    info = {_text(g["name"]): g for g in await redis.xinfo_groups(stream)}[group]
    return int(info["pending"]) == 0 and not info.get("lag")


@pytest.mark.parametrize("service", sorted(EXPECTED_GROUPS))
async def test_malformed_entries_are_dead_lettered_for_every_group(
    service: str, settings: Settings, redis: Redis
) -> None:
    names = StreamNames(settings.stream_prefix)
    app = importlib.import_module(f"services.{service}.bootstrap").create_app(settings)
    sent: dict[tuple[str, str], str] = {}
    async with running(app):
        logical = await consumed_streams(redis, names, service)
        assert logical == EXPECTED_GROUPS[service], f"{service} consumes {sorted(logical)}"
        for name in sorted(logical):
            stream = getattr(names, name)
            sent |= {(stream, i): w for i, w in (await publish(redis, stream, names)).items()}

        async def all_dead_lettered() -> bool:
            letters = await dead_letters(redis, names)
            return all((s, service, i) in letters for s, i in sent)

        await until(all_dead_lettered, f"{service}: every malformed entry dead-lettered", 30)
        for name in logical:
            stream = getattr(names, name)
            await until(lambda s=stream: settled(redis, s, service), f"{stream} settled", 10)  # type: ignore[misc]
            # The subscriber survived the poison: a second wave is dead-lettered too.
            sent |= {(stream, i): w for i, w in (await publish(redis, stream, names)).items()}
        await until(all_dead_lettered, f"{service}: the second wave dead-lettered", 30)
    letters = await dead_letters(redis, names)
    for (stream, entry_id), what in sent.items():
        record = letters[(stream, service, entry_id)]
        assert record["error"], f"{service} {stream} {what}: dead-lettered without the error"
        assert record["attempts"] == 1, f"{service} {stream} {what}: retried {record}"
    assert await asyncio.sleep(0, result=True)
