"""`steam-connect run` keeps going when one service dies: the crashed one comes back by itself.

Tried before: SIGKILL of triage under `make run` stopped all four services and `make run` exited
with an error. Here triage is killed outright while the stack runs against the test servers; the
supervisor restarts it, a comment posted afterwards is decided, and Ctrl-C still ends with 0.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from steam_connect import infra
from steam_connect.processes import SERVICES
from tests.steam_connect.integration.console import Output, launch

pytestmark = pytest.mark.e2e
KEY = "restart-test-ingest-key"


@pytest.fixture
def run_database(postgres_server: infra.Server) -> Iterator[str]:
    url = infra.with_database(postgres_server.url, f"sc_run_{uuid.uuid4().hex[:12]}")
    yield url
    infra.drop_database(url)


def test_a_killed_service_is_restarted_and_the_stack_goes_on_deciding(
    tmp_path: Path, redis_url: str, run_database: str, stream_prefix: str
) -> None:
    ports = infra.free_ports(SERVICES)
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": run_database,
        "STREAM_PREFIX": stream_prefix,
        "INGEST_API_KEYS": KEY,
        **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()},
        "LOG_JSON": "false",
    }
    proc = launch("services", tmp_path, env)
    out = Output(proc)
    try:
        triage_pid = int(out.until(r"triage healthy at \S+ \(pid (\d+)", 120).group(1))
        out.until("post comments to", 60)
        os.kill(triage_pid, signal.SIGKILL)
        out.until(r"triage \(pid \d+\) killed by SIGKILL .* restarting it in", 30)
        new_pid = int(out.until(r"triage restarted \(pid (\d+)\)", 30).group(1))
        assert new_pid != triage_pid
        out.until("triage healthy again", 90)
        comment = {
            "platform": "facebook",
            "account_id": "1001",
            "comment_id": "after-restart-1",
            "post_id": "p1",
            "author": {"id": "u1", "name": "Jana"},
            "text": "Mein Paket ist seit zwei Wochen nicht angekommen!",
            "created_at": "2026-12-04T10:00:00+01:00",
        }
        answer = httpx.post(
            f"http://127.0.0.1:{ports['ingest']}/v1/comments",
            json=comment,
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=10,
        )
        assert answer.status_code == 202, answer.text
        out.until(r"decision facebook/after-restart-1: ", 90)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=120)
        out.drain(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "Traceback" not in out.text, out.text
    assert proc.returncode == 0, out.text
    assert out.text.count(" stopped (exit code 0)") == len(SERVICES), out.text
