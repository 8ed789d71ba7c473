"""Tell a dependency outage from a poison entry: an outage must not use up delivery attempts.

While PostgreSQL or Redis is down every entry fails; dead-lettering them after N attempts would
empty the streams into the dead-letter stream. Such failures leave the entries pending instead
(retried once the dependency is back; /healthz answers 503 and the pending count grows meanwhile).
"""

from __future__ import annotations

from collections.abc import Iterator

from asyncpg import exceptions as pg
from redis import exceptions as redis_errors
from sqlalchemy import exc as sa

_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, socket file gone, timeouts
    redis_errors.ConnectionError,  # includes BusyLoadingError: Redis still loading its AOF
    redis_errors.TimeoutError,
    pg.PostgresConnectionError,
    pg.CannotConnectNowError,  # starting up / shutting down
    pg.AdminShutdownError,
    pg.CrashShutdownError,
    pg.TooManyConnectionsError,
    pg.InterfaceError,  # e.g. the connection was closed under the query
    sa.DisconnectionError,
    sa.TimeoutError,  # no pooled connection became free
)


class DependencyDown(RuntimeError):
    """A reclaim pass stopped because a dependency is unreachable; the entry stays pending."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_outage(exc: BaseException) -> bool:
    """True when the failure (or what caused it) is an unreachable Redis or PostgreSQL."""
    for err in _chain(exc):
        if isinstance(err, _OUTAGES):
            return True
        if isinstance(err, sa.DBAPIError) and err.connection_invalidated:
            return True
    return False
