"""The JSON shape ingest accepts, and the pure parser other code (the `replay` CLI) can reuse.

`POST /v1/comments` takes one comment object or a JSON list of them (at most INGEST_MAX_BATCH);
NDJSON replay sends one object per line, each as its own request body. A comment:

    {
      "platform": "facebook",          facebook | instagram | x | youtube (any case)
      "account_id": "1001",            the brand's page or channel it was written on
      "comment_id": "c-123",           the platform's id of the comment
      "post_id": "p-9",                the post or video it belongs to
      "parent_id": "c-100",            optional: the comment it answers (null or the post id:
                                       top level)
      "author": {"id": "u-7", "name": "Jane"},
      "text": "Mein Paket ist nie angekommen",
      "created_at": "2024-05-01T10:00:00+02:00",   ISO-8601 with a zone; naive is rejected
      "change": "created",             optional: created (default) | edited | removed
      "changed_at": "2024-05-02T09:00:00Z"  optional: when the platform says the change happened;
                                       send it with edits and removals so a redelivered one is a
                                       duplicate (without it, each delivery counts as a new change)
    }

Unknown fields are rejected: a producer's typo must fail loudly, not vanish. Strings are NFC
normalised and stripped, `created_at` is converted to UTC (see `normalise`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.ingest.domain.normalise import clean_text, platform_token, to_utc
from shared.contracts.comments import MAX_TEXT, PLATFORMS, CommentChange, Platform

ZONE_HINT = "timestamp has no time zone: send ISO-8601 with an offset, e.g. 2024-05-01T10:00:00Z"
_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (not part of the comment shape)",
    "timezone_aware": ZONE_HINT,
    "model_type": "must be a JSON object",
}


@dataclass(frozen=True)
class FieldError:
    """One problem, located so the sender can fix it: item index and dotted field path."""

    index: int | None
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


class InvalidComments(ValueError):
    """The request is rejected as a whole; `details` names every bad field."""

    def __init__(self, details: Sequence[FieldError], summary: str = "invalid comment") -> None:
        super().__init__(f"{summary}: " + "; ".join(f"{d.field}: {d.message}" for d in details))
        self.summary = summary
        self.details = list(details)


class MalformedBody(InvalidComments):
    """The body is not JSON at all."""


class BatchTooLarge(ValueError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} comments in one request; the limit is {limit} (INGEST_MAX_BATCH)")
        self.size = size
        self.limit = limit


class IncomingAuthor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    name: str = Field(max_length=500)
    """May be empty: platforms blank the names of deleted accounts."""

    _clean = field_validator("id", "name", mode="before")(clean_text)


class IncomingComment(BaseModel):
    """One comment as a platform adapter or replay sends it, already normalised."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: Platform
    account_id: str = Field(min_length=1, max_length=200)
    comment_id: str = Field(min_length=1, max_length=300)
    post_id: str = Field(min_length=1, max_length=300)
    parent_id: str | None = Field(default=None, max_length=300)
    author: IncomingAuthor
    text: str = Field(max_length=MAX_TEXT)
    created_at: AwareDatetime
    change: CommentChange = "created"
    changed_at: AwareDatetime | None = None
    """Platform time of this change; it identifies an edit or removal across redeliveries."""

    _clean = field_validator(
        "account_id", "comment_id", "post_id", "parent_id", "text", mode="before"
    )(clean_text)
    _platform = field_validator("platform", mode="before")(platform_token)

    @field_validator("created_at", "changed_at", mode="before")
    @classmethod
    def _iso_only(cls, value: object) -> object:
        """Epoch numbers are ambiguous (seconds or milliseconds?); only ISO-8601 strings pass."""
        if value is None or isinstance(value, str | datetime):
            return value
        raise ValueError("must be an ISO-8601 timestamp string with a time zone")

    @field_validator("parent_id", mode="after")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        """Some platforms send `""` for "no parent"; one spelling for top level downstream."""
        return value or None

    @field_validator("created_at", "changed_at", mode="after")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else to_utc(value)


def _field_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def shape_errors(index: int | None, exc: ValidationError) -> list[FieldError]:
    """Pydantic's errors as sender-facing field errors (never echoing the rejected input)."""
    errors: list[FieldError] = []
    for err in exc.errors(include_url=False, include_input=False):
        message = _MESSAGES.get(err["type"], err["msg"])
        if err["type"] == "literal_error" and tuple(err["loc"]) == ("platform",):
            message = f"must be one of {', '.join(PLATFORMS)}"
        errors.append(FieldError(index, _field_path(err["loc"]), message))
    return errors


def parse_comments(body: object, *, max_batch: int) -> list[IncomingComment]:
    """Validate a decoded body (one object or a list); all-or-nothing, every error reported."""
    if isinstance(body, dict):
        items: list[object] = [body]
    elif isinstance(body, list):
        items = body
        if not items:
            raise InvalidComments([FieldError(None, "", "empty list: send at least one comment")])
        if len(items) > max_batch:
            raise BatchTooLarge(len(items), max_batch)
    else:
        message = f"body is a JSON {type(body).__name__}; send a comment object or a list of them"
        raise InvalidComments([FieldError(None, "", message)])
    comments: list[IncomingComment] = []
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        try:
            comments.append(IncomingComment.model_validate(item))
        except ValidationError as exc:
            errors.extend(shape_errors(index, exc))
    if errors:
        raise InvalidComments(errors)
    return comments


def parse_body(raw: bytes, *, max_batch: int) -> list[IncomingComment]:
    """Decode and validate a request body; a body that is not JSON raises `MalformedBody`."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # also too-deep nesting and huge integers
        raise MalformedBody(
            [FieldError(None, "", f"not valid JSON: {exc}")], "malformed JSON"
        ) from exc
    return parse_comments(body, max_batch=max_batch)


def platform_label(item: object) -> str:
    """A bounded metrics label for an item that may not have validated."""
    if isinstance(item, dict):
        value = platform_token(item.get("platform"))
        if value in PLATFORMS:
            return str(value)
    return "unknown"
