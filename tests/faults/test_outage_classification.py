"""Which failures count as a dependency outage (entry left pending, no attempt used up) and
which as a poison entry (dead-lettered after N attempts)."""

from __future__ import annotations

import asyncpg
import pytest
from redis import exceptions as redis_errors
from sqlalchemy import exc as sa

from shared.streams.outages import is_outage


def _wrapped(inner: BaseException) -> BaseException:
    """What SQLAlchemy raises around an asyncpg failure."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise sa.OperationalError("INSERT ...", {}, exc) from exc
    except sa.OperationalError as outer:
        return outer


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
        FileNotFoundError(2, "No such file or directory: '/tmp/pg/.s.PGSQL.5432'"),
        TimeoutError(),
        redis_errors.ConnectionError("Error 111 connecting to 127.0.0.1:6390"),
        redis_errors.BusyLoadingError("Redis is loading the dataset in memory"),
        _wrapped(asyncpg.exceptions.AdminShutdownError("terminating connection")),
        _wrapped(asyncpg.exceptions.CannotConnectNowError("the database system is starting up")),
        _wrapped(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")),
        sa.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
    ],
    ids=lambda e: type(e).__name__,
)
def test_an_unreachable_dependency_is_an_outage(exc: BaseException) -> None:
    assert is_outage(exc)


@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("constraint violated for r-c1"),
        ValueError("unknown template"),
        _wrapped(asyncpg.exceptions.UniqueViolationError("duplicate key")),
        _wrapped(asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte 0x00")),
        sa.IntegrityError("INSERT ...", {}, Exception("duplicate")),
        redis_errors.ResponseError("WRONGTYPE Operation against a key"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_failure_of_the_entry_itself_is_not(exc: BaseException) -> None:
    assert not is_outage(exc)
