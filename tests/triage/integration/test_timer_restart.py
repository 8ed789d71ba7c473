"""Triage as a real process, SIGKILLed with pending timers: after a restart each fires once."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts import SlaTimerEvent
from shared.db.models import SlaTimerRow
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from steam_connect import infra
from steam_connect.processes import ServiceProcess, spawn, stop, wait_healthy
from tests.triage.factories import POLICY_FILE, ROOT, comment, received

pytestmark = pytest.mark.integration

SLA_S = 8
"""Long enough that the timers are surely still pending when the process is killed."""
TEXTS = (
    "Mein Paket ist nie angekommen.",
    "My order never arrived.",
    "Der Mixer ist kaputt.",
)


@pytest.fixture
def triage_env(settings: Settings, tmp_path: Path) -> Iterator[dict[str, str]]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        POLICY_FILE.read_text(encoding="utf-8").replace(
            "complaint.product: {within: 1h, business_hours: false}",
            f"complaint.product: {{within: {SLA_S}s, business_hours: false}}",
        ),
        encoding="utf-8",
    )
    env = dict(os.environ)
    env.update(
        REDIS_URL=settings.redis_url,
        DATABASE_URL=settings.database_url,
        STREAM_PREFIX=settings.stream_prefix,
        POLICY_FILE=str(policy),
        ACCEPT_UNKNOWN_ACCOUNTS="true",
        TRIAGE_PORT=str(infra.free_port()),
        HTTP_HOST="127.0.0.1",
        CONSUMER_BLOCK_MS="50",
        SLA_TICK_S="0.1",
        LOG_JSON="false",
        LOG_LEVEL="INFO",
    )
    yield env


def _start(env: dict[str, str], log_dir: Path) -> ServiceProcess:
    process = spawn("triage", int(env["TRIAGE_PORT"]), env, log_dir, ROOT)
    try:
        wait_healthy(process, timeout=60)
    except BaseException:
        stop(process)
        raise
    return process


async def _rows(engine: AsyncEngine, threads: set[str]) -> list[SlaTimerRow]:
    async with make_sessionmaker(engine)() as session:
        rows = await session.scalars(select(SlaTimerRow).where(SlaTimerRow.thread_id.in_(threads)))
        return list(rows)


async def _breached(redis: Redis, names: StreamNames, threads: set[str]) -> list[SlaTimerEvent]:
    entries = await redis.xrange(names.timers)
    events = [SlaTimerEvent.model_validate(decode(f)) for _i, f in entries or []]  # type: ignore[arg-type]
    return [e for e in events if e.thread_id in threads and e.status == "breached"]


async def _until(check: Callable[[], Awaitable[bool]], what: str, deadline_s: float = 40.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while loop.time() < end:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {deadline_s:.0f}s waiting for {what}")


async def test_killed_triage_fires_each_pending_timer_exactly_once_after_restart(
    triage_env: dict[str, str], redis: Redis, engine: AsyncEngine, tmp_path: Path
) -> None:
    names = StreamNames(triage_env["STREAM_PREFIX"])
    tag = uuid.uuid4().hex[:10]
    now = datetime.now(UTC)
    comments = [
        comment(text, comment_id=f"{tag}-{i}", author_id=f"{tag}-u{i}", created_at=now)
        for i, text in enumerate(TEXTS)
    ]
    threads = {c.thread_id for c in comments}
    first = _start(triage_env, tmp_path / "run1")
    try:
        await EventPublisher(redis, maxlen=10_000).publish(
            (names.comments, received(c)) for c in comments
        )

        async def all_pending() -> bool:
            rows = await _rows(engine, threads)
            return len(rows) == len(comments) and all(r.state == "pending" for r in rows)

        await _until(all_pending, "a pending timer per complaint")
    finally:
        os.killpg(first.proc.pid, signal.SIGKILL)
        first.proc.wait()
    assert {r.state for r in await _rows(engine, threads)} == {"pending"}, first.log_tail()
    assert await _breached(redis, names, threads) == []
    await redis.delete(names.key("timers:due"))  # the PostgreSQL row is the truth

    second = _start(triage_env, tmp_path / "run2")
    try:

        async def all_breached() -> bool:
            return len(await _breached(redis, names, threads)) >= len(comments)

        await _until(all_breached, "a breached event per timer")
        await asyncio.sleep(1.0)  # ~10 more loop ticks, in which a duplicate would show up
    finally:
        assert stop(second) == 0, second.log_tail()
    events = await _breached(redis, names, threads)
    rows = await _rows(engine, threads)
    assert sorted(e.timer_id for e in events) == sorted(r.timer_id for r in rows)
    assert {r.state for r in rows} == {"breached"}
    assert all(r.published_revision == r.revision for r in rows)
