"""The responder's own metrics; labels are bounded (action kinds and outcomes only)."""

from __future__ import annotations

from prometheus_client import Counter

ACTIONS = Counter(
    "sc_responder_actions",
    "Actions settled by the responder, by kind and outcome.",
    ["kind", "outcome"],
)

PLATFORM_CALLS = Counter(
    "sc_responder_platform_calls",
    "Platform API calls by platform and verdict (ok, rate_limited, transient, permanent, gone).",
    ["platform", "verdict"],
)
