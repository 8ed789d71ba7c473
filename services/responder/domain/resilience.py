"""Retry timing, per-account rate gates and per-platform circuit breakers, with explicit time.

Pure state machines: callers pass `now` and a jitter draw, so tests never sleep or read a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class RateGate:
    """Keys (platform, account) the platform told us to leave alone until a given time."""

    _until: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def block(self, key: tuple[str, str], until: datetime) -> None:
        current = self._until.get(key)
        if current is None or until > current:
            self._until[key] = until

    def wait_s(self, key: tuple[str, str], now: datetime) -> float | None:
        """Seconds still to wait, or None when calls may go out."""
        until = self._until.get(key)
        if until is None or until <= now:
            self._until.pop(key, None)
            return None
        return (until - now).total_seconds()


@dataclass
class CircuitBreaker:
    """Closed → open after `threshold` consecutive failures → one trial after `reset_s`."""

    threshold: int
    reset_s: float
    failures: int = 0
    opened_at: datetime | None = None
    trial_running: bool = False

    def wait_s(self, now: datetime) -> float | None:
        """None when a call may go out (and claims the half-open trial); else seconds to wait."""
        if self.opened_at is None:
            return None
        reopen = self.opened_at + timedelta(seconds=self.reset_s)
        if now < reopen:
            return (reopen - now).total_seconds()
        if self.trial_running:
            return self.reset_s
        self.trial_running = True
        return None

    def success(self) -> None:
        self.failures, self.opened_at, self.trial_running = 0, None, False

    def failure(self, now: datetime) -> None:
        self.failures += 1
        if self.trial_running or self.failures >= self.threshold:
            self.opened_at, self.trial_running = now, False

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.trial_running else "open"
