"""The four real service processes, on free ports, against the session's Redis and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis import Redis as SyncRedis

from shared.settings import Settings
from steam_connect import infra
from steam_connect.processes import SERVICES, ServiceProcess, spawn, stop, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
INGEST_KEY = "e2e-ingest-key"
REPORTING_KEY = "e2e-reporting-key"


@dataclass
class Stack:
    settings: Settings
    processes: dict[str, ServiceProcess]
    console_record: Path

    def url(self, service: str) -> str:
        return self.processes[service].base_url

    def logs(self) -> str:
        return "\n".join(
            f"----- {p.name} (exit {p.proc.poll()}) -----\n{p.log_tail(80)}"
            for p in self.processes.values()
        )


def _env(settings: Settings, ports: dict[str, int]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        REDIS_URL=settings.redis_url,
        DATABASE_URL=settings.database_url,
        STREAM_PREFIX=settings.stream_prefix,
        INGEST_API_KEYS=INGEST_KEY,
        REPORTING_API_KEYS=REPORTING_KEY,
        CONSOLE_RECORD_PATH=str(settings.console_record_path),
        ACCEPT_UNKNOWN_ACCOUNTS="true",
        RECLAIM_IDLE_MS="300",
        RECLAIM_INTERVAL_S="0.2",
        CONSUMER_BLOCK_MS="50",
        HTTP_HOST="127.0.0.1",
        LOG_JSON="false",
        LOG_LEVEL="INFO",
        **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()},
    )
    return env


@pytest.fixture(scope="module")
def e2e_settings(
    redis_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Like the `settings` fixture, shared by one module so the processes start once."""
    prefix = f"sce2e-{uuid.uuid4().hex[:12]}"
    yield Settings(
        redis_url=redis_url,
        database_url=database_url,
        stream_prefix=prefix,
        console_record_path=tmp_path_factory.mktemp("e2e") / "console-actions.ndjson",
        accept_unknown_accounts=True,
        ingest_api_keys=INGEST_KEY,
        reporting_api_keys=REPORTING_KEY,
        _env_file=None,
    )
    client = SyncRedis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@contextmanager
def running_stack(settings: Settings, env: dict[str, str], log_dir: Path) -> Iterator[Stack]:
    """The four processes with `env`, healthy; stopped at the end, each must exit cleanly."""
    ports = infra.free_ports(SERVICES)
    env = {**env, **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()}}
    processes: dict[str, ServiceProcess] = {}
    try:
        for name in SERVICES:
            processes[name] = spawn(name, ports[name], env, log_dir, ROOT)
        for process in processes.values():
            wait_healthy(process, timeout=90)
    except BaseException:
        for process in processes.values():
            stop(process)
        raise
    running = Stack(settings, processes, settings.console_record_path)
    yield running
    codes = {name: stop(process) for name, process in processes.items()}
    unclean = {name: code for name, code in codes.items() if code != 0}
    assert not unclean, f"services did not exit cleanly on SIGTERM: {unclean}\n{running.logs()}"


@pytest.fixture(scope="module")
def stack(e2e_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Starts the four processes, waits for `/healthz`, and checks they stop cleanly on SIGTERM."""
    env = _env(e2e_settings, {})
    with running_stack(e2e_settings, env, tmp_path_factory.mktemp("e2e-logs")) as running:
        yield running
