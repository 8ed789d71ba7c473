"""Stream and consumer-group names: the one place they are spelled."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from enum import StrEnum


class Group(StrEnum):
    """One consumer group per service, so each sees every event once."""

    TRIAGE = "triage"
    RESPONDER = "responder"
    REPORTING = "reporting"
    OPERATOR = "operator"


@dataclass(frozen=True)
class StreamNames:
    """All stream keys under one prefix, so tests and tenants can share a Redis."""

    prefix: str

    def _key(self, name: str) -> str:
        return f"{self.prefix}:stream:{name}"

    @property
    def comments(self) -> str:
        return self._key("comments")

    @property
    def decisions(self) -> str:
        return self._key("decisions")

    @property
    def actions(self) -> str:
        return self._key("actions")

    @property
    def action_states(self) -> str:
        """Outbox rows as they change, from responder (reporting's read model of actions)."""
        return self._key("action-states")

    @property
    def timers(self) -> str:
        """SLA timer events from triage (started, due soon, met, breached, ...)."""
        return self._key("timers")

    @property
    def alerts(self) -> str:
        """Escalation early warnings from reporting."""
        return self._key("alerts")

    @property
    def exchanges(self) -> str:
        """Exchange states from triage (reporting's read model of them)."""
        return self._key("exchanges")

    @property
    def commands(self) -> str:
        """Agent commands from the inbox (resolve, approve a draft, ...)."""
        return self._key("commands")

    @property
    def dead_letter(self) -> str:
        return self._key("dead-letter")

    def all(self) -> tuple[str, ...]:
        return (
            self.comments,
            self.decisions,
            self.actions,
            self.action_states,
            self.timers,
            self.alerts,
            self.exchanges,
            self.commands,
            self.dead_letter,
        )

    def key(self, name: str) -> str:
        """A non-stream key (dedupe sets, indexes) under the same prefix."""
        return f"{self.prefix}:{name}"


def consumer_name(service: str) -> str:
    """Unique per process, stable for its lifetime: the PEL is per consumer name."""
    return f"{service}-{socket.gethostname()}-{os.getpid()}"
