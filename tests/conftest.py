"""Test infrastructure: real Redis and PostgreSQL, isolated per session, cleaned up after.

Servers: the URL from the environment (or the default local one) when it answers; else
testcontainers when a Docker engine answers; else the embedded servers. Each session gets its own
database (migrated with Alembic) and its own stream prefix; each test that needs streams can
take `stream_prefix` for a fresh prefix of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.migrate import upgrade
from shared.db.session import make_engine
from shared.settings import Settings
from steam_connect import infra

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def _redis_from_testcontainers() -> infra.Server:
    from testcontainers.redis import RedisContainer

    container = RedisContainer("redis:7")
    container.start()
    host, port = container.get_container_host_ip(), container.get_exposed_port(6379)
    return infra.Server(f"redis://{host}:{port}/0", "testcontainers", container.stop)


def _postgres_from_testcontainers() -> infra.Server:
    from testcontainers.postgres import PostgresContainer

    container = PostgresContainer("postgres:16", driver="asyncpg")
    container.start()
    return infra.Server(container.get_connection_url(), "testcontainers", container.stop)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[infra.Server]:
    url = os.environ.get("REDIS_URL", DEFAULT_REDIS)
    if infra.redis_answers(url):
        server = infra.Server(url, "configured")
    elif infra.docker_answers():
        server = _redis_from_testcontainers()
    else:
        server = infra.start_embedded_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[infra.Server]:
    url = os.environ.get("DATABASE_URL", DEFAULT_POSTGRES)
    if infra.postgres_answers(url):
        server = infra.Server(url, "configured")
    elif infra.docker_answers():
        server = _postgres_from_testcontainers()
    else:
        server = infra.start_embedded_postgres(tmp_path_factory.mktemp("postgres"), "postgres")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def database_url(postgres_server: infra.Server) -> Iterator[str]:
    """A fresh database for this session, migrated to head, dropped afterwards."""
    url = infra.with_database(postgres_server.url, f"sc_test_{uuid.uuid4().hex[:12]}")
    infra.create_database(url)
    upgrade(url)
    yield url
    infra.drop_database(url)


@pytest.fixture(scope="session")
def redis_url(redis_server: infra.Server) -> str:
    return redis_server.url


@pytest.fixture
def stream_prefix(redis_url: str) -> Iterator[str]:
    """A prefix of the test's own; its keys are deleted afterwards."""
    prefix = f"sctest-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = SyncRedis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def settings(redis_url: str, database_url: str, stream_prefix: str, tmp_path: Path) -> Settings:
    return Settings(
        redis_url=redis_url,
        database_url=database_url,
        stream_prefix=stream_prefix,
        console_record_path=tmp_path / "console-actions.ndjson",
        accept_unknown_accounts=True,
        ingest_api_keys="test-ingest-key",
        reporting_api_keys="test-reporting-key",
        reclaim_idle_ms=300,
        reclaim_interval_s=0.2,
        log_json=False,
        _env_file=None,
    )


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()
