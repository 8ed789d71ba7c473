"""The one clock of the system: aware UTC time.

Use cases take a `clock: Clock` argument defaulting to `utcnow`, so a test fixes the time
instead of patching it, and no domain function reads the wall clock behind its caller's back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (naive datetimes are refused by every contract)."""
    return datetime.now(UTC)
