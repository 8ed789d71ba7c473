"""What ingest does with a valid comment: skip the page's own words, or build the event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from redis.exceptions import RedisError

from services.ingest.domain.payload import IncomingComment
from shared.contracts import Author, Comment, CommentReceived

Status = Literal["accepted", "duplicate", "own_comment"]


class NotReplicated(RedisError):
    """On the Redis primary but not yet on as many replicas as REDIS_WAIT_REPLICAS asks for: not
    acknowledged, so the sender retries (and a retry of what arrived is a duplicate)."""


def is_own_comment(comment: IncomingComment) -> bool:
    """The account answering on its own page: publishing it would make the page answer itself."""
    return comment.author.id == comment.account_id


def build_event(comment: IncomingComment, thread_id: str, *, now: datetime) -> CommentReceived:
    """The stream event; the thread id doubles as correlation id so logs follow the exchange.

    `occurred_at` is the platform's time of the change when known: it keys edits and removals.
    """
    return CommentReceived(
        occurred_at=comment.changed_at or now,
        correlation_id=thread_id,
        account_id=comment.account_id,
        change=comment.change,
        comment=Comment(
            platform=comment.platform,
            account_id=comment.account_id,
            comment_id=comment.comment_id,
            post_id=comment.post_id,
            parent_id=comment.parent_id,
            thread_id=thread_id,
            author=Author(id=comment.author.id, name=comment.author.name),
            text=comment.text,
            created_at=comment.created_at,
        ),
    )


@dataclass(frozen=True)
class Submission:
    """One comment for the store: its thread mapping, and the event unless it is our own."""

    thread_field: str
    thread_id: str
    event: CommentReceived | None


@dataclass(frozen=True)
class Outcome:
    """What the store did; `event_id` is the original event's id for a duplicate."""

    status: Status
    event_id: str | None = None


@dataclass(frozen=True)
class CommentResult:
    comment_id: str
    platform: str
    status: Status
    thread_id: str
    event_id: str | None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "comment_id": self.comment_id,
            "status": self.status,
            "thread_id": self.thread_id,
        }
        if self.event_id:
            body["event_id"] = self.event_id
        return body


@dataclass(frozen=True)
class IngestReport:
    """The 202 body: counts first, then one result per comment in request order."""

    results: list[CommentResult]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.count("accepted"),
            "duplicates": self.count("duplicate"),
            "ignored": self.count("own_comment"),
            "results": [r.as_dict() for r in self.results],
        }
