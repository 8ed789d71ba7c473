"""Reporting's own metrics, defined once; every label set is bounded."""

from __future__ import annotations

import threading

from prometheus_client import Counter

DECISIONS = Counter(
    "sc_reporting_decisions_total",
    "Decisions seen by reporting, by policy rule.",
    ["rule_id"],
)
ACTIONS = Counter(
    "sc_reporting_actions_total",
    "Completed actions seen by reporting, by kind and outcome.",
    ["kind", "status"],
)
COMMENTS = Counter(
    "sc_reporting_comments_total",
    "Comment events newly recorded in the exchange history, by platform and change.",
    ["platform", "change"],
)

OTHER = "other"


class BoundedLabel:
    """Admits the first `limit` distinct values, then reports the rest as `other`.

    Rule ids come from a policy file that operators edit; a typo loop or a generated id must not
    blow up Prometheus' series count.
    """

    def __init__(self, limit: int = 50, max_length: int = 40) -> None:
        self._limit = limit
        self._max_length = max_length
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        value = value[: self._max_length]
        with self._lock:
            if value in self._seen:
                return value
            if len(self._seen) < self._limit:
                self._seen.add(value)
                return value
        return OTHER
