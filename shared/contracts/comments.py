"""A customer's comment, normalised from whatever the platform sent."""

from __future__ import annotations

from typing import Literal, NamedTuple

from pydantic import AwareDatetime, Field

from shared.contracts.envelope import Contract, Envelope

Platform = Literal["facebook", "instagram", "x", "youtube"]
PLATFORMS: tuple[Platform, ...] = ("facebook", "instagram", "x", "youtube")
CommentChange = Literal["created", "edited", "removed"]

MAX_TEXT = 20_000


class ThreadId(NamedTuple):
    """An exchange's id, `<platform>:<top-level comment id>`: formats and parses itself.

    Ingest writes it (and keys its comment -> thread mapping by the same shape); the responder
    reads the top-level comment back out of it to nest replies under the right comment.
    """

    platform: str
    comment_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.comment_id}"

    @classmethod
    def parse(cls, value: str) -> ThreadId:
        platform, sep, comment_id = value.partition(":")
        if not sep or not platform or not comment_id:
            raise ValueError(f"thread id {value!r} is not <platform>:<top-level comment id>")
        return cls(platform, comment_id)


def is_top_level(parent_id: str | None, post_id: str) -> bool:
    """Platforms report a top-level comment's parent as null, empty, or as the post itself."""
    return parent_id is None or parent_id == "" or parent_id == post_id


class Author(Contract):
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(max_length=500)


class Comment(Contract):
    """What triage, responder and reporting need of one comment, platform-neutral."""

    platform: Platform
    account_id: str = Field(min_length=1, max_length=200)
    comment_id: str = Field(min_length=1, max_length=300)
    post_id: str = Field(min_length=1, max_length=300)
    parent_id: str | None = Field(default=None, max_length=300)
    thread_id: str = Field(min_length=1, max_length=300)
    """Exchange id: the top-level comment this one belongs to (itself when it is top-level)."""
    author: Author
    text: str = Field(max_length=MAX_TEXT)
    created_at: AwareDatetime

    @property
    def is_top_level(self) -> bool:
        return is_top_level(self.parent_id, self.post_id)


class CommentReceived(Envelope):
    """Published by ingest once per (platform, comment, change)."""

    event_type: Literal["comment.received"] = "comment.received"
    schema_version: Literal[1] = 1
    change: CommentChange = "created"
    comment: Comment

    @property
    def dedupe_key(self) -> str:
        """Identity of the platform fact, independent of the event id a redelivery would get."""
        base = f"{self.comment.platform}:{self.comment.account_id}:{self.comment.comment_id}"
        if self.change == "created":
            return f"{base}:created"
        return f"{base}:{self.change}:{self.occurred_at.isoformat()}"
