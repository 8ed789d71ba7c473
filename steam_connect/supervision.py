"""Keeps the four services of `steam-connect run` up: a crashed one is restarted with backoff.

One process dying used to end the whole run (SIGKILL of triage stopped all four and `make run`
exited 1). The streams keep what the dead process had in hand — its consumer group re-delivers
the pending entries to the restarted process — so restarting is safe. Crashes in a row wait
longer (1 s, 2 s, 4 s … 30 s, as Kubernetes' CrashLoopBackOff does); a process that stayed up
for a minute starts the count again.
"""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from shared.backoff import backoff_s
from steam_connect.processes import ServiceProcess


@dataclass(frozen=True)
class RestartPolicy:
    base_s: float = 1.0
    cap_s: float = 30.0
    stable_after_s: float = 60.0
    """Up this long, a process's next crash counts as the first again."""

    def delay_s(self, crashes_in_a_row: int, jitter: float) -> float:
        return backoff_s(crashes_in_a_row, base_s=self.base_s, cap_s=self.cap_s, jitter=jitter)


def describe_exit(returncode: int) -> str:
    """`exit code 1`, or `killed by SIGKILL` for a negative Popen return code."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class Watched:
    """One service's current process and where its restart cycle stands."""

    process: ServiceProcess
    started_at: float
    crashes_in_a_row: int = 0
    restart_at: float | None = None
    awaiting_health: bool = False


@dataclass
class Supervisor:
    """Polled by the run loop; returns what happened as lines for the console.

    `respawn(name)` starts a fresh process of that service; `children` is the stack's list,
    updated in place so that shutdown stops the processes that are running now.
    """

    children: list[ServiceProcess]
    respawn: Callable[[str], ServiceProcess]
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random
    _watched: dict[str, Watched] = field(default_factory=dict)

    def __post_init__(self) -> None:
        now = self.clock()
        self._watched = {child.name: Watched(child, now) for child in self.children}

    def check(self) -> list[str]:
        lines: list[str] = []
        for name, watched in self._watched.items():
            if watched.restart_at is None and watched.process.proc.poll() is not None:
                lines.append(self._schedule(watched))
            elif watched.restart_at is not None and self.clock() >= watched.restart_at:
                lines.append(self._restart(name, watched))
            elif watched.awaiting_health and _healthy(watched.process):
                watched.awaiting_health = False
                lines.append(f"{name} healthy again at {watched.process.base_url}")
        return lines

    def _schedule(self, watched: Watched) -> str:
        now = self.clock()
        up_s = now - watched.started_at
        stable = up_s >= self.policy.stable_after_s
        watched.crashes_in_a_row = 1 if stable else watched.crashes_in_a_row + 1
        delay = self.policy.delay_s(watched.crashes_in_a_row, self.jitter())
        watched.restart_at = now + delay
        watched.awaiting_health = False
        process = watched.process
        return (
            f"{process.name} (pid {process.proc.pid}) {describe_exit(process.proc.returncode)} "
            f"after {up_s:.0f} s; restarting it in {delay:.1f} s "
            f"(crash {watched.crashes_in_a_row} in a row); last lines of {process.log_path}:\n"
            f"{process.log_tail(20)}"
        )

    def _restart(self, name: str, watched: Watched) -> str:
        fresh = self.respawn(name)
        self.children[self.children.index(watched.process)] = fresh
        watched.process = fresh
        watched.started_at = self.clock()
        watched.restart_at = None
        watched.awaiting_health = True
        return f"{name} restarted (pid {fresh.proc.pid}); waiting for it to report healthy"


def _healthy(process: ServiceProcess) -> bool:
    try:
        return httpx.get(f"{process.base_url}/healthz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False
