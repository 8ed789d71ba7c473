"""Normalisation of incoming comment fields, so equal comments look equal to every consumer.

Pure functions; the payload model applies them while validating, so length limits hold for the
normalised value (a whitespace-only id is as missing as an empty one).
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime


def clean_text(value: object) -> object:
    """NFC and stripped: the same words typed on two devices must compare and hash equal."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


def platform_token(value: object) -> object:
    """Platforms send `Facebook`, `YOUTUBE`...; the contract knows only lower-case names."""
    if isinstance(value, str):
        return value.strip().lower()
    return value


def to_utc(moment: datetime) -> datetime:
    """One time zone on the streams; refuses naive input instead of guessing the local zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamp has no time zone")
    return moment.astimezone(UTC)
