"""Metrics shared by every service; label values are bounded (logical names, never ids)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest

STREAM_MESSAGES = Counter(
    "sc_stream_messages_total",
    "Stream entries handled by a consumer group, by outcome.",
    ["stream", "group", "outcome"],
)
DEAD_LETTERED = Counter(
    "sc_dead_lettered_total",
    "Stream entries moved to the dead-letter stream.",
    ["stream", "group"],
)


def render_latest() -> tuple[bytes, str]:
    """The exposition body and its content type, for a `/metrics` route."""
    return generate_latest(), CONTENT_TYPE_LATEST
