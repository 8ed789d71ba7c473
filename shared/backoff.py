"""Retry timing shared by everything that calls out and tries again (platform actions, webhooks)."""

from __future__ import annotations


def backoff_s(attempt: int, *, base_s: float, cap_s: float, jitter: float) -> float:
    """Exponential with equal jitter: retries spread out, yet never come back at once.

    `jitter` is a draw from [0, 1); attempt 1 waits between base/2 and base.
    """
    ceiling = min(cap_s, base_s * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + (ceiling / 2) * min(max(jitter, 0.0), 1.0)
