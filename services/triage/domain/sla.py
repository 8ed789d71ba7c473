"""First-response deadlines: plain durations per category for now (business hours come later)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_UNIT = {"m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """`90m`, `1h`, `2d`: the spelling the policy file uses."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"duration {text!r} is not like '90m', '1h' or '2d'")
    return timedelta(**{_UNIT[match.group(2)]: int(match.group(1))})


def due_at(category: str, start: datetime, durations: Mapping[str, timedelta]) -> datetime:
    """When the first response to a `category` message that arrived at `start` is due."""
    if start.tzinfo is None:
        raise ValueError(f"SLA start {start!r} has no time zone; deadlines must be unambiguous")
    try:
        return start + durations[category]
    except KeyError:
        raise ValueError(
            f"no SLA for category {category!r}; the policy defines {sorted(durations)}"
        ) from None
