"""Alembic environment: async engine, URL from the caller's config or the settings."""

from __future__ import annotations

import asyncio
import logging

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db.models import Base
from shared.db.partitions import is_partition

config = context.config
target_metadata = Base.metadata


def _models_only(name: str | None, type_: str, _parent: object) -> bool:
    """Autogenerate compares the models' tables, not the monthly partitions of one."""
    return not (type_ == "table" and name is not None and is_partition(name))


log = logging.getLogger("steam_connect.migrate")


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from shared.settings import Settings

    return Settings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, include_name=_models_only
    )
    with context.begin_transaction():
        context.run_migrations()


def _warn_without_autovacuum(connection: Connection) -> None:
    """Every batch lookup is planned from table statistics, and only autovacuum refreshes them:
    without it the planner keeps the estimates of an empty table, lookups by id turn into scans
    that grow with the table, and updated rows are never reclaimed (docs/performance.md)."""
    if connection.exec_driver_sql("SHOW autovacuum").scalar() == "off":
        log.warning(
            "PostgreSQL runs with autovacuum = off: table statistics go stale as Steam-Connect's "
            "tables grow and its queries slow down; turn autovacuum on or run ANALYZE regularly"
        )


async def _run_async() -> None:
    engine = create_async_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.run_sync(_warn_without_autovacuum)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, include_name=_models_only
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
