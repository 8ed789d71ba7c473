"""What every connector shares: the parse result, timestamp reading and error collection."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from services.ingest.domain.payload import (
    FieldError,
    IncomingComment,
    InvalidComments,
    MalformedBody,
    shape_errors,
)

_MS_THRESHOLD = 100_000_000_000
"""Epoch values above this are milliseconds (year 5138 in seconds)."""


@dataclass
class Parsed:
    """Comments to ingest plus the bounded reasons of everything deliberately not ingested."""

    comments: list[IncomingComment] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    def add(self, where: str, raw: dict[str, Any]) -> None:
        """Validate one comment; a bad one is collected so the request is refused as a whole."""
        try:
            self.comments.append(IncomingComment.model_validate(raw))
        except ValidationError as exc:
            for err in shape_errors(None, exc):
                self.errors.append(FieldError(None, f"{where}.{err.field}", err.message))

    def fail(self, where: str, message: str) -> None:
        self.errors.append(FieldError(None, where, message))

    def result(self) -> Parsed:
        """This result, or `InvalidComments` naming every bad change when there was one."""
        if self.errors:
            raise InvalidComments(self.errors, "invalid webhook event")
        return self


def malformed(where: str, message: str) -> MalformedBody:
    """A body that is not the platform's envelope at all (400)."""
    return MalformedBody([FieldError(None, where, message)], "malformed webhook")


def decode_json(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # also too-deep nesting and huge integers
        raise malformed("", f"not valid JSON: {exc}") from exc


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def as_id(value: object) -> str | None:
    """Platform ids come as strings or numbers; anything else is no id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str | int):
        return str(value)
    return None


def epoch_time(value: object) -> datetime | None:
    """Epoch seconds or milliseconds (number or digit string) as UTC; None when unreadable."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        seconds = value / 1000 if value > _MS_THRESHOLD else value
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def platform_time(value: object) -> datetime | None:
    """Epoch numbers, or ISO-8601 strings such as Graph API's `2024-05-01T10:00:00+0000`."""
    moment = epoch_time(value)
    if moment is not None or not isinstance(value, str):
        return moment
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value.replace("Z", "+0000"), fmt)
        except ValueError:
            continue
    return None
