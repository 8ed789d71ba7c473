"""Reporting's own metrics, defined once; every label set is bounded."""

from __future__ import annotations

import threading

from prometheus_client import Counter, Gauge, Histogram

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
CATEGORIZED = Counter(
    "sc_reporting_comments_by_category_total",
    "Decided customer comments, by platform and category (`none` without a complaint).",
    ["platform", "category"],
)
SLA_EVENTS = Counter(
    "sc_reporting_sla_events_total",
    "SLA timer events newly recorded, by status (breached = an SLA breach).",
    ["status"],
)
FIRST_RESPONSE = Histogram(
    "sc_reporting_first_response_seconds",
    "Wall-clock time from an exchange's first customer message to our first reply.",
    buckets=(60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800),
)
ALERTS = Counter(
    "sc_reporting_escalation_alerts_total",
    "Escalation alerts published (an exchange's risk crossed the threshold).",
)
OPEN_BY_RISK = Gauge(
    "sc_reporting_open_exchanges",
    "Exchanges not yet resolved, by risk band (refreshed every few seconds).",
    ["band"],
)
NOTIFICATIONS = Counter(
    "sc_reporting_notifications_total",
    "Webhook delivery attempts, by notification kind and outcome (delivered, retry, dead).",
    ["kind", "outcome"],
)
NOTIFICATIONS_BY_STATUS = Gauge(
    "sc_reporting_notification_deliveries",
    "Webhook deliveries by status (dead = dead-lettered, waiting for an admin).",
    ["status"],
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
