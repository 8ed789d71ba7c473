"""Ctrl-C on `steam-connect run` with the embedded servers, as on a laptop without Docker.

The terminal sends SIGINT to its whole foreground process group. The embedded redis-server used
to share that group, died first, and the supervisor's decision tail ended in a traceback and
exit code 1. Here nothing answers at the configured URLs, so `run` starts its own Redis and
PostgreSQL; the test replays the samples, waits for decisions, then signals the group as a
terminal would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from steam_connect import infra
from steam_connect.processes import SERVICES
from tests.steam_connect.integration.console import launch

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[3]


def _read_until(proc: subprocess.Popen[str], marker: str, seen: list[str], limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"run ended before {marker!r}:\n{''.join(seen)}")
        seen.append(line)
        if marker in line:
            return
    raise AssertionError(f"no {marker!r} within {limit_s:.0f}s:\n{''.join(seen)}")


def test_ctrl_c_stops_services_then_embedded_servers_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "samples").mkdir()
    shutil.copy(ROOT / "samples" / "comments.ndjson", tmp_path / "samples" / "comments.ndjson")
    env = {
        **os.environ,
        # Ports where nothing answers: `run` must start the embedded servers.
        "REDIS_URL": f"redis://127.0.0.1:{infra.free_port()}/0",
        "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{infra.free_port()}/sc_run",
        **{f"{name.upper()}_PORT": str(infra.free_port()) for name in SERVICES},
        "LOG_JSON": "false",
    }
    proc = launch("run", tmp_path, env)
    seen: list[str] = []
    try:
        _read_until(proc, "started an embedded one", seen, 60)
        _read_until(proc, "decision ", seen, 240)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = "".join(seen) + out
    assert "Traceback" not in output, output
    assert proc.returncode == 0, output
    lines = output.splitlines()
    stopped = [i for i, line in enumerate(lines) if " stopped (exit code 0)" in line]
    assert len(stopped) == len(SERVICES), output
    servers = [
        lines.index(f"[steam-connect] embedded {name} stopped")
        for name in ("Redis", "PostgreSQL")
        if f"[steam-connect] embedded {name} stopped" in lines
    ]
    assert len(servers) == 2, output
    assert max(stopped) < min(servers), "servers must stop after the services that use them"
