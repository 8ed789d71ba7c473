"""The backup and restore of docs/operations.md, done as written: `pg_dump -Fc` of a migrated
database holding history and pending SLA timers, the database dropped, `pg_restore` into a new
one; Redis's data directory (AOF) copied, the server stopped and its directory wiped, a server
started on the copy. Everything — comment history, pending timers, their due-time index, a
stream with an unacknowledged entry — is as it was."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis as SyncRedis
from sqlalchemy import insert, select, text

from shared.db.migrate import upgrade
from shared.db.models import CommentEventRow, CommentRow, SlaTimerRow
from shared.db.session import asyncpg_dsn, make_engine
from steam_connect import infra

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def _comment(n: int) -> dict[str, Any]:
    return {
        "platform": "facebook",
        "account_id": "1001",
        "comment_id": f"bk-{n}",
        "post_id": "p1",
        "parent_id": None,
        "thread_id": f"facebook:bk-{n}",
        "author_id": f"u{n}",
        "author_name": f"Kunde {n}",
        "text": f"Mein Paket {n} ist nicht angekommen",
        "status": "active",
        "status_at": NOW,
        "text_at": NOW,
        "created_at": NOW,
    }


def _timer(n: int) -> dict[str, Any]:
    return {
        "timer_id": f"timer-{n}",
        "kind": "sla",
        "state": "pending",
        "thread_id": f"facebook:bk-{n}",
        "platform": "facebook",
        "account_id": "1001",
        "decision_id": f"d{n}",
        "comment_id": f"bk-{n}",
        "category": "delivery",
        "started_at": NOW,
        "due_soon_at": NOW + timedelta(minutes=45),
        "due_at": NOW + timedelta(hours=1),
        "due_soon_sent_at": None,
        "settled_at": None,
        "detail": "",
        "revision": 1,
        "published_revision": 1,
        "created_at": NOW,
    }


async def _snapshot(url: str) -> dict[str, list[Any]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                "comments": list(await conn.execute(select(CommentRow).order_by(CommentRow.id))),
                "events": list(
                    await conn.execute(select(CommentEventRow).order_by(CommentEventRow.event_id))
                ),
                "timers": list(
                    await conn.execute(select(SlaTimerRow).order_by(SlaTimerRow.timer_id))
                ),
                "version": list(
                    await conn.execute(text("SELECT version_num FROM alembic_version"))
                ),
            }
    finally:
        await engine.dispose()


async def _populate(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(insert(CommentRow), [_comment(n) for n in range(50)])
        await conn.execute(
            insert(CommentEventRow),
            [
                {
                    "event_id": f"e{n}-{v}",
                    "platform": "facebook",
                    "comment_id": f"bk-{n}",
                    "thread_id": f"facebook:bk-{n}",
                    "change": "created" if v == 0 else "edited",
                    "text": f"Fassung {v} von Kommentar {n}",
                    "occurred_at": NOW + timedelta(minutes=v),
                }
                for n in range(50)
                for v in range(3)
            ],
        )
        await conn.execute(insert(SlaTimerRow), [_timer(n) for n in range(20)])
    await engine.dispose()


def test_postgresql_dump_and_restore_keep_history_and_pending_timers(
    postgres_server: infra.Server, tmp_path: Path
) -> None:
    url = infra.with_database(postgres_server.url, f"sc_backup_{uuid.uuid4().hex[:10]}")
    infra.create_database(url)
    upgrade(url)
    asyncio.run(_populate(url))
    before = asyncio.run(_snapshot(url))
    dump = tmp_path / "steam_connect.dump"
    dsn = asyncpg_dsn(url)
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), dsn], check=True)  # noqa: S607
    infra.drop_database(url)
    try:
        infra.create_database(url)
        restore = ["pg_restore", "--no-owner", "--exit-on-error", "-d", dsn, str(dump)]
        subprocess.run(restore, check=True)  # noqa: S603
        after = asyncio.run(_snapshot(url))
        assert after == before
        assert len(after["events"]) == 150
        assert {t.state for t in after["timers"]} == {"pending"}
        upgrade(url)  # what the guide says to run next: nothing to do at head
    finally:
        infra.drop_database(url)


def test_redis_data_directory_copy_restores_timers_index_and_pending_entries(
    tmp_path: Path,
) -> None:
    live = tmp_path / "redis"
    server = infra.start_embedded_redis(live, appendonly=True)
    client = SyncRedis.from_url(server.url)
    try:
        client.zadd("sc:timers:due", {f"timer-{n}|due": 1_796_000_000 + n for n in range(20)})
        for n in range(30):
            client.xadd("sc:stream:comments", {"__data__": f'{{"n": {n}}}'})
        client.xgroup_create("sc:stream:comments", "triage", id="0")
        client.xreadgroup("triage", "triage-1", {"sc:stream:comments": ">"}, count=5)
        pending_before = client.xpending("sc:stream:comments", "triage")
        client.bgrewriteaof()
        _until_rewritten(client)
        backup = tmp_path / "backup"
        shutil.copytree(live, backup)
    finally:
        client.close()
        server.stop()
    shutil.rmtree(live)  # the disk is gone
    shutil.copytree(backup, live)
    restored = infra.start_embedded_redis(live, appendonly=True)
    client = SyncRedis.from_url(restored.url)
    try:
        assert client.zcard("sc:timers:due") == 20
        assert client.zscore("sc:timers:due", "timer-7|due") == 1_796_000_007
        assert client.xlen("sc:stream:comments") == 30
        assert client.xpending("sc:stream:comments", "triage") == pending_before
        assert pending_before["pending"] == 5
    finally:
        client.close()
        restored.stop()


def _until_rewritten(client: SyncRedis) -> None:
    deadline = time.monotonic() + 20
    while client.info("persistence").get("aof_rewrite_in_progress"):
        assert time.monotonic() < deadline, "BGREWRITEAOF never finished"
        time.sleep(0.05)
