"""The operator commands against the real servers, run the way an operator runs them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from redis import Redis as SyncRedis

from shared.contracts import Author, Comment, DecisionMade, PlannedAction
from shared.streams.codec import encode
from shared.streams.names import StreamNames
from steam_connect import infra
from steam_connect.devstack import Tail

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "steam_connect.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row["tablename"] for row in rows}
    finally:
        await conn.close()


def test_migrate_creates_a_missing_database_and_is_idempotent(
    postgres_server: infra.Server,
) -> None:
    url = infra.with_database(postgres_server.url, f"sc_cli_{uuid.uuid4().hex[:10]}")
    try:
        for _ in range(2):
            result = _cli("migrate", env={"DATABASE_URL": url})
            assert result.returncode == 0, result.stderr
        tables = asyncio.run(_tables(url))
        assert {"comments", "decisions", "actions", "alembic_version"} <= tables
    finally:
        infra.drop_database(url)


def _decision(comment_id: str) -> DecisionMade:
    now = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    return DecisionMade(
        occurred_at=now,
        correlation_id=f"facebook:{comment_id}",
        account_id="1001",
        decision_id=f"d-{comment_id}",
        comment_event_id=f"e-{comment_id}",
        comment=Comment(
            platform="facebook",
            account_id="1001",
            comment_id=comment_id,
            post_id="p",
            thread_id=f"facebook:{comment_id}",
            author=Author(id="u", name="U"),
            text="kaputt",
            created_at=now,
        ),
        lang="de",
        labels=["complaint.product"],
        scores={"complaint.product": 0.9},
        rule_id="R1",
        reason="product complaint",
        policy_version="test",
        sla_due_at=now,
        actions=[PlannedAction(action_id=f"a-{comment_id}", kind="reply")],
    )


def test_tail_prints_only_decisions_and_console_actions_after_it_started(
    redis_url: str, stream_prefix: str, tmp_path: Path
) -> None:
    client = SyncRedis.from_url(redis_url)
    names = StreamNames(stream_prefix, shards=2)
    first, second = names.partitions(names.decisions)
    console = tmp_path / "console.ndjson"
    client.xadd(first, encode(_decision("old")))  # type: ignore[arg-type]
    console.write_text(json.dumps({"kind": "reply", "comment_id": "old"}) + "\n")
    tail = Tail(client, (first, second), console)
    client.xadd(second, encode(_decision("new")))  # type: ignore[arg-type]
    with console.open("a") as handle:
        handle.write(json.dumps({"kind": "hide", "platform": "x", "comment_id": "new"}) + "\n")
        handle.write('{"kind": "half-writ')  # an incomplete line waits for its end
    lines = tail.poll(block_ms=100)
    client.close()
    assert lines == [
        "decision facebook/new: R1 (product complaint) -> reply; due 2024-05-01T08:00:00Z",
        "console action: kind=hide platform=x comment_id=new",
    ]
