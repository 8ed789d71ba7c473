"""The four real service processes for the fault tests, with kill -9 and restart by name."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.settings import Settings
from steam_connect import infra
from steam_connect.processes import SERVICES, ServiceProcess, spawn, stop, wait_healthy
from tests.e2e.conftest import _env

ROOT = Path(__file__).resolve().parents[2]


def service_env(settings: Settings, ports: dict[str, int], extra: dict[str, str]) -> dict[str, str]:
    """The end-to-end environment with a reclaim idle time a killed consumer can wait out and
    quieter logs (thousands of comments); `extra` wins."""
    env = _env(settings, ports)
    env.update(RECLAIM_IDLE_MS="2000", RECLAIM_INTERVAL_S="0.3", LOG_LEVEL="WARNING")
    env.update(extra)
    return env


@dataclass
class ChaosStack:
    env: dict[str, str]
    ports: dict[str, int]
    log_dir: Path
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    kills: list[str] = field(default_factory=list)
    graceful_stops: list[tuple[str, int, float]] = field(default_factory=list)
    """(service, exit code, seconds to stop) of every SIGTERM stop before a restart."""

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self, name: str, wait: bool = True) -> None:
        self.processes[name] = spawn(name, self.ports[name], self.env, self.log_dir, ROOT)
        if wait:
            wait_healthy(self.processes[name], timeout=90)

    def start_all(self, services: tuple[str, ...] = SERVICES) -> None:
        for name in services:
            self.start(name, wait=False)
        for name in services:
            wait_healthy(self.processes[name], timeout=90)

    def kill(self, name: str) -> None:
        """SIGKILL: no lifespan, no acks, no flush — the crash the design must survive."""
        process = self.processes[name]
        os.killpg(process.proc.pid, signal.SIGKILL)
        process.proc.wait()
        self.kills.append(name)

    def stop_gracefully(self, name: str) -> None:
        """SIGTERM, as a rolling restart sends: the batch in hand is finished, then it exits."""
        began = time.monotonic()
        code = stop(self.processes[name], timeout=30.0)
        self.graceful_stops.append((name, code, time.monotonic() - began))

    def alive(self) -> dict[str, int | None]:
        return {name: p.proc.poll() for name, p in self.processes.items()}

    def logs(self, lines: int = 60) -> str:
        return "\n".join(
            f"----- {p.name} (exit {p.proc.poll()}) -----\n{p.log_tail(lines)}"
            for p in self.processes.values()
        )

    def stop_all(self) -> dict[str, int]:
        return {name: stop(p) for name, p in self.processes.items()}


def new_stack(settings: Settings, log_dir: Path, extra: dict[str, str]) -> ChaosStack:
    ports = infra.free_ports(SERVICES)
    return ChaosStack(service_env(settings, ports, extra), ports, log_dir)
