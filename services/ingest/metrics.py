"""Ingest's own metrics, defined once; labels are bounded (platforms, outcomes, reasons)."""

from __future__ import annotations

from prometheus_client import Counter

COMMENTS = Counter(
    "sc_ingest_comments",
    "Comments received by ingest, by platform and outcome "
    "(accepted, duplicate, own_comment, rejected).",
    ["platform", "outcome"],
)
REJECTIONS = Counter(
    "sc_ingest_rejections",
    "Requests ingest refused, by reason "
    "(auth, validation, unknown_account, too_large, unavailable).",
    ["reason"],
)
WEBHOOK_REJECTIONS = Counter(
    "sc_ingest_webhook_rejections",
    "Webhook deliveries refused, by platform and reason (bad_signature, malformed, validation, "
    "unknown_account, unavailable, not_configured, handshake).",
    ["platform", "reason"],
)
SKIPPED = Counter(
    "sc_ingest_skipped_changes",
    "Platform changes deliberately not ingested (hide/unhide verbs, other items, non-replies), "
    "by platform and reason.",
    ["platform", "reason"],
)
YOUTUBE_POLLS = Counter(
    "sc_ingest_youtube_polls",
    "YouTube channel polls, by outcome (ok, quota_exceeded, budget_exhausted, error).",
    ["outcome"],
)
