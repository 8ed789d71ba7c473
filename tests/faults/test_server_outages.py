"""Redis killed (AOF, fsync always) and restarted, PostgreSQL stopped for ~10 s, under the four
real processes: ingest answers 503 (never 500) while Redis is down, every comment it
acknowledged is decided exactly once afterwards, no service exits, nothing is dead-lettered.

Each test kills only a private server of its own (tests/faults/servers.py)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from shared.db.migrate import upgrade
from shared.settings import Settings
from shared.streams.names import StreamNames
from steam_connect import infra
from tests.chaos.stack import ChaosStack, new_stack
from tests.e2e.conftest import INGEST_KEY
from tests.faults.servers import PrivatePostgres, PrivateRedis

pytestmark = pytest.mark.e2e

FAST_RETRIES = {"RECLAIM_IDLE_MS": "500", "MAX_DELIVERY_ATTEMPTS": "3", "CONSUMER_BATCH_SIZE": "20"}
"""Without the outage rule, 10 s of PostgreSQL downtime would dead-letter every entry."""
CONSUMERS = ("triage", "responder", "reporting")


class Poster:
    """Posts one comment per request until stopped; remembers each answer."""

    def __init__(self, stack: ChaosStack) -> None:
        self.stack = stack
        self.run = uuid.uuid4().hex[:8]
        self.answers: list[tuple[str, int | str]] = []
        self.stop = asyncio.Event()

    def accepted(self) -> list[str]:
        return [cid for cid, code in self.answers if code == 202]

    def codes(self) -> Counter[int | str]:
        return Counter(code for _cid, code in self.answers)

    async def post(self) -> None:
        headers = {"Authorization": f"Bearer {INGEST_KEY}"}
        async with httpx.AsyncClient(base_url=self.stack.url("ingest"), timeout=10) as client:
            n = 0
            while not self.stop.is_set():
                cid = f"outage-{self.run}-{n}"
                body = [_comment(cid, n)]
                try:
                    response = await client.post("/v1/comments", json=body, headers=headers)
                    code: int | str = response.status_code
                    if code == 202:
                        assert response.json()["accepted"] == 1, response.text
                except httpx.HTTPError as exc:
                    code = type(exc).__name__
                self.answers.append((cid, code))
                n += 1
                await asyncio.sleep(0.03)

    async def until(self, what: str, predicate: object, limit_s: float = 30) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_s
        while not predicate():  # type: ignore[operator]
            assert loop.time() < deadline, f"{what}: {self.codes()}\n{self.stack.logs()}"
            assert all(c is None for c in self.stack.alive().values()), self.stack.logs()
            await asyncio.sleep(0.05)


def _comment(cid: str, n: int) -> dict[str, object]:
    return {
        "platform": "facebook",
        "account_id": "1001",
        "comment_id": cid,
        "post_id": "post-outage",
        "author": {"id": f"author-{n}", "name": "Customer"},
        "text": f"My order {n} never arrived and the blender is broken.",
        "created_at": "2026-11-20T10:00:00+00:00",
    }


async def _decided(database_url: str, run: str) -> Counter[str]:
    conn = await asyncpg.connect(infra.asyncpg_dsn(database_url), timeout=5)
    try:
        rows = await conn.fetch(
            "SELECT comment_id, count(*) FROM decisions WHERE comment_id LIKE $1 GROUP BY 1",
            f"outage-{run}-%",
        )
    finally:
        await conn.close()
    return Counter({row[0]: row[1] for row in rows})


async def _all_decided_once(stack: ChaosStack, poster: Poster, database_url: str) -> Counter[str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90
    wanted = set(poster.accepted())
    while True:
        decided = await _decided(database_url, poster.run)
        if wanted <= set(decided):
            return decided
        assert loop.time() < deadline, (
            f"{len(wanted - set(decided))} of {len(wanted)} acknowledged comments never decided, "
            f"e.g. {sorted(wanted - set(decided))[:3]}\n{stack.logs()}"
        )
        assert all(c is None for c in stack.alive().values()), stack.logs()
        await asyncio.sleep(0.5)


async def _health(stack: ChaosStack, service: str) -> int | str:
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(f"{stack.url(service)}/healthz")).status_code
    except httpx.HTTPError as exc:
        return type(exc).__name__


async def _dead_letters(redis_url: str, prefix: str) -> list[dict[str, object]]:
    client = Redis.from_url(redis_url)
    try:
        entries = await client.xrange(StreamNames(prefix).dead_letter)
    finally:
        await client.aclose()
    return [json.loads((fields or {})[b"__data__"]) for _id, fields in entries or []]


def _clean_exit(stack: ChaosStack) -> None:
    codes = stack.stop_all()
    assert set(codes.values()) == {0}, f"exit codes {codes}\n{stack.logs()}"


async def test_redis_killed_and_restarted_loses_no_acknowledged_comment(
    settings: Settings, tmp_path: Path
) -> None:
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    stack = new_stack(settings.model_copy(update={"redis_url": redis.url}), tmp_path / "logs", {})
    try:
        await asyncio.to_thread(stack.start_all)
        poster = Poster(stack)
        posting = asyncio.create_task(poster.post())
        await poster.until("first comments accepted", lambda: len(poster.accepted()) >= 30)
        redis.kill()
        before = len(poster.accepted())
        await poster.until("503 while Redis is down", lambda: poster.codes()[503] >= 20)
        assert await _health(stack, "ingest") == 503
        await asyncio.sleep(2)  # consumers and reclaimers meet a dead Redis for a while
        await asyncio.to_thread(redis.start)
        await poster.until("accepted again", lambda: len(poster.accepted()) >= before + 30)
        poster.stop.set()
        await posting
        codes = poster.codes()
        assert set(codes) <= {202, 503}, f"ingest answered {codes}\n{stack.logs()}"
        decided = await _all_decided_once(stack, poster, settings.database_url)
        assert set(decided.values()) == {1}, f"decided twice: {decided.most_common(3)}"
        for service in stack.processes:
            assert await _health(stack, service) == 200, service
        assert await _dead_letters(redis.url, settings.stream_prefix) == []
        print(f"\nRedis outage: answers {dict(codes)}, {len(decided)} decided")  # noqa: T201
    finally:
        try:
            _clean_exit(stack)
        finally:
            redis.stop()


async def test_postgres_down_for_ten_seconds_services_wait_and_catch_up(
    settings: Settings, tmp_path: Path
) -> None:
    # Not under tmp_path: the embedded server runs as its own system user, which cannot
    # enter pytest's private (0700) temporary folders.
    state = Path(tempfile.mkdtemp(prefix="sc-faults-pg-"))
    os.chmod(state, 0o755)  # noqa: S103 - the server's own system user must enter it
    postgres = PrivatePostgres(state)
    url = await asyncio.to_thread(postgres.start)
    await asyncio.to_thread(infra.create_database, url)
    await asyncio.to_thread(upgrade, url)
    private = settings.model_copy(update={"database_url": url})
    stack = new_stack(private, tmp_path / "logs", FAST_RETRIES)
    try:
        await asyncio.to_thread(stack.start_all)
        poster = Poster(stack)
        posting = asyncio.create_task(poster.post())
        await poster.until("first comments accepted", lambda: len(poster.accepted()) >= 30)
        await asyncio.to_thread(postgres.stop)
        health: dict[str, Counter[int | str]] = {s: Counter() for s in CONSUMERS}
        loop = asyncio.get_running_loop()
        outage_ends = loop.time() + 10
        while loop.time() < outage_ends:
            for service in CONSUMERS:
                health[service][await _health(stack, service)] += 1
            assert all(c is None for c in stack.alive().values()), stack.logs()
            await asyncio.sleep(0.3)
        for service, seen in health.items():
            assert set(seen) == {503}, f"{service} /healthz during the outage: {seen}"
        await asyncio.to_thread(postgres.start)
        during = len(poster.accepted())
        await poster.until("accepted after", lambda: len(poster.accepted()) >= during + 20)
        poster.stop.set()
        await posting
        assert set(poster.codes()) == {202}, "ingest needs no PostgreSQL"
        decided = await _all_decided_once(stack, poster, url)
        assert set(decided.values()) == {1}, f"decided twice: {decided.most_common(3)}"
        for service in stack.processes:
            assert await _health(stack, service) == 200, service
        letters = await _dead_letters(settings.redis_url, settings.stream_prefix)
        assert letters == [], f"dead-lettered by the outage: {letters[:2]}"
        print(f"\nPostgreSQL outage: {len(decided)} decided, health {health}")  # noqa: T201
    finally:
        try:
            _clean_exit(stack)
        finally:
            postgres.stop()
            shutil.rmtree(state, ignore_errors=True)
