"""Start, watch and stop the four service processes: for `steam-connect run` and the e2e tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.settings import Settings

SERVICES: tuple[str, ...] = ("ingest", "triage", "responder", "reporting")


def service_port(settings: Settings, service: str) -> int:
    port: int = getattr(settings, f"{service}_port")
    return port


@dataclass
class ServiceProcess:
    """One `python -m services.<name>` child, its port and where its log goes."""

    name: str
    port: int
    log_path: Path
    proc: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return f"(no log at {self.log_path})"
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


def spawn(
    name: str,
    port: int,
    env: dict[str, str],
    log_dir: Path,
    cwd: Path,
    label: str | None = None,
) -> ServiceProcess:
    """Own session: Ctrl-C reaches only the supervisor, which then stops the children in order.

    `label` names the log of one replica among several (`triage-2.log`); the port is its own.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{label or name}.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            env={**env, f"{name.upper()}_PORT": str(port)},
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return ServiceProcess(name, port, log_path, proc)


def wait_healthy(process: ServiceProcess, timeout: float = 60.0) -> None:
    """Polls `/healthz` until 200; an exited or unhealthy child is an error with its log."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            raise RuntimeError(
                f"{process.name} exited with code {process.proc.returncode} before becoming "
                f"healthy; log {process.log_path}:\n{process.log_tail()}"
            )
        try:
            response = httpx.get(f"{process.base_url}/healthz", timeout=2.0)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.2)
    raise RuntimeError(
        f"{process.name} not healthy on port {process.port} after {timeout:.0f}s ({last}); "
        f"log {process.log_path}:\n{process.log_tail()}"
    )


def stop(process: ServiceProcess, timeout: float = 20.0) -> int:
    """SIGTERM for a graceful shutdown (the lifespan drains), SIGKILL only if it hangs."""
    if process.proc.poll() is None:
        process.proc.send_signal(signal.SIGTERM)
        try:
            process.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.proc.pid, signal.SIGKILL)
            process.proc.wait()
    return process.proc.returncode
