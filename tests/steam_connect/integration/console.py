"""Driving `steam-connect run` / `services` as a terminal would, with deadlines on its output."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path


def launch(subcommand: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """The command in a process group of its own, like a terminal's foreground job."""
    return subprocess.Popen(
        [sys.executable, "-m", "steam_connect.cli", subcommand],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


class Output:
    """The run's console, read on a thread so that every wait has a deadline."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._proc = proc
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def until(self, pattern: str, limit_s: float) -> re.Match[str]:
        deadline = time.monotonic() + limit_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"run ended before {pattern!r}:\n{self.text}")
            self.lines.append(line)
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"no {pattern!r} within {limit_s:.0f}s:\n{self.text}")

    def drain(self, limit_s: float) -> None:
        """Everything the run printed up to its end."""
        deadline = time.monotonic() + limit_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                return
            if line is None:
                return
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)
