"""Outgoing notifications: what a team's receiver (Slack, a pager, its own service) is told.

The wire contract of reporting's webhooks, in one place, so the sender, the accounts file and a
receiver written against the docs agree: which events exist, which headers carry the signature,
and how it is computed. A receiver verifies a delivery with `verify()` (or the same three lines
in its own language, see docs/notifications.md).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal, get_args

NotificationKind = Literal["threat", "escalation", "sla_due_soon", "sla_breached"]
NOTIFICATION_KINDS: tuple[NotificationKind, ...] = get_args(NotificationKind)
"""`threat`: a customer's message was classified a threat (R7, a human decides on the police);
`escalation`: an exchange's risk crossed the alert threshold; `sla_due_soon` / `sla_breached`:
a first-response clock is about to run out / has run out."""

DeliveryStatus = Literal["pending", "delivered", "dead"]
"""`dead`: the receiver kept failing (or refused the delivery for good); kept as a dead-letter
record an admin can read and send again."""

SIGNATURE_HEADER = "X-Steam-Connect-Signature"
TIMESTAMP_HEADER = "X-Steam-Connect-Timestamp"
EVENT_HEADER = "X-Steam-Connect-Event"
DELIVERY_HEADER = "X-Steam-Connect-Delivery"
"""The delivery's id: the same on every retry, so a receiver can drop a repeat."""

SIGNATURE_TOLERANCE_S = 300
"""How old a signed timestamp a receiver should accept: a captured delivery replayed later fails."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>`: the timestamp is signed too, so
    it cannot be swapped to make an old delivery look new."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str, *, now_s: float) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        age = abs(now_s - int(timestamp))
    except ValueError:
        return False
    expected = signature(secret, timestamp, body)
    return age <= SIGNATURE_TOLERANCE_S and hmac.compare_digest(expected, header)
