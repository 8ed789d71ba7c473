"""The migrations and the models describe the same schema, and the newest one can be undone."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db.migrate import alembic_config, upgrade
from shared.db.models import Base
from shared.db.partitions import is_partition
from steam_connect import infra

pytestmark = pytest.mark.integration

EVENT = '{"labels": ["threat"], "scores": {"threat": 0.9}, "actions": [{"kind": "flag"}]}'


def _models_only(name: str | None, type_: str, _parent: Any) -> bool:
    return not (type_ == "table" and name is not None and is_partition(name))


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"include_name": _models_only})
    return list(compare_metadata(context, Base.metadata))


async def _run(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    """A model changed without a migration (or the reverse) shows up here, not in production."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()


def test_downgrading_0002_restores_decision_columns_from_the_event(database_url: str) -> None:
    url = infra.with_database(database_url, f"sc_test_mig_{uuid.uuid4().hex[:10]}")
    infra.create_database(url)
    try:
        upgrade(url)
        asyncio.run(
            _run(
                url,
                "INSERT INTO decisions (decision_id, comment_event_id, platform, account_id, "
                "comment_id, thread_id, rule_id, reason, policy_version, lang, event, decided_at) "
                "VALUES ('d1', 'e1', 'facebook', 'a', 'c', 't', 'R7', 'r', 'v', 'de', "
                "CAST(:event AS jsonb), now())",
                event=EVENT,
            )
        )
        command.downgrade(alembic_config(url), "0001")
        restored = asyncio.run(_run(url, "SELECT labels, scores, actions FROM decisions"))
        assert restored == [(["threat"], {"threat": 0.9}, [{"kind": "flag"}])]
        upgrade(url)
        assert asyncio.run(_run(url, "SELECT count(*) FROM decisions")) == [(1,)]
    finally:
        infra.drop_database(url)


def test_0007_copies_the_outbox_to_reporting_and_counts_each_rows_updates(
    database_url: str,
) -> None:
    url = infra.with_database(database_url, f"sc_test_mig_{uuid.uuid4().hex[:10]}")
    infra.create_database(url)
    try:
        upgrade(url, "0006")
        asyncio.run(
            _run(
                url,
                "INSERT INTO actions (action_id, decision_id, kind, platform, account_id, "
                "comment_id, thread_id, author_id, correlation_id, status, text, detail, "
                "attempts, created_at) VALUES ('a1', 'd1', 'reply', 'facebook', 'acc', 'c', "
                "'t', 'u', 't', 'done', 'Sorry!', '', 1, now())",
            )
        )
        upgrade(url)
        copied = asyncio.run(_run(url, "SELECT action_id, status, text FROM reporting_actions"))
        assert copied == [("a1", "done", "Sorry!")]
        for _ in range(2):
            asyncio.run(_run(url, "UPDATE actions SET detail = 'x' WHERE action_id = 'a1'"))
        assert asyncio.run(_run(url, "SELECT revision FROM actions")) == [(2,)]
    finally:
        infra.drop_database(url)
