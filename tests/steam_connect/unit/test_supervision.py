"""A crashed service is restarted with growing backoff; a long-lived one starts the count again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from steam_connect.processes import ServiceProcess
from steam_connect.supervision import RestartPolicy, Supervisor, describe_exit


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _process(name: str, code: str, log_dir: Path) -> ServiceProcess:
    proc = subprocess.Popen([sys.executable, "-c", code])
    return ServiceProcess(name, 1, log_dir / f"{name}.log", proc)


def test_exit_codes_and_signals_are_told_apart() -> None:
    assert describe_exit(1) == "exit code 1"
    assert describe_exit(-9) == "killed by SIGKILL"


def test_a_crash_is_restarted_after_its_backoff_and_the_stack_list_follows(
    tmp_path: Path,
) -> None:
    crashing = _process("triage", "raise SystemExit(3)", tmp_path)
    crashing.proc.wait()
    children = [crashing]
    spawned: list[ServiceProcess] = []

    def respawn(name: str) -> ServiceProcess:
        spawned.append(_process(name, "raise SystemExit(4)", tmp_path))
        return spawned[-1]

    clock = Clock()
    policy = RestartPolicy(base_s=2.0, cap_s=30.0, stable_after_s=60.0)
    supervisor = Supervisor(children, respawn, policy, clock=clock, jitter=lambda: 1.0)

    first = supervisor.check()
    assert len(first) == 1 and "triage" in first[0] and "exit code 3" in first[0]
    assert "restarting it in 2.0 s (crash 1 in a row)" in first[0]
    clock.now += 1.0
    assert supervisor.check() == []  # still backing off
    clock.now += 1.0
    restarted = supervisor.check()
    assert restarted and "triage restarted" in restarted[0]
    assert children == spawned  # shutdown stops the new process, not the dead one

    spawned[-1].proc.wait()
    clock.now += 5.0  # died again quickly: the wait doubles
    assert "restarting it in 4.0 s (crash 2 in a row)" in supervisor.check()[0]
    clock.now += 4.0
    supervisor.check()
    spawned[-1].proc.wait()
    clock.now += 120.0  # this one ran for two minutes: its crash counts as the first
    assert "restarting it in 2.0 s (crash 1 in a row)" in supervisor.check()[0]


def test_a_running_service_is_left_alone(tmp_path: Path) -> None:
    running = _process("reporting", "import time; time.sleep(30)", tmp_path)
    try:
        supervisor = Supervisor([running], lambda name: running, clock=Clock())
        assert supervisor.check() == []
    finally:
        running.proc.kill()
        running.proc.wait()
