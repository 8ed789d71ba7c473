"""YouTube comment threads (polled, no push) as comments, and the poll cursor that makes it exact.

`commentThreads?order=time` lists threads newest first. The cursor keeps the newest publication
time seen (plus the ids at exactly that time) and the newest edit time emitted, so a poll emits
only what is new and can stop paging once it reaches threads it has seen. Redis dedupe keys stay
the last line of defence, e.g. when a crash falls between publishing and saving the cursor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.ingest.connectors.common import as_dict, as_id, as_list
from services.ingest.domain.normalise import to_utc

QUOTA_TZ = ZoneInfo("America/Los_Angeles")
"""YouTube's daily quota resets at midnight Pacific time."""


class QuotaExceeded(RuntimeError):
    """YouTube answered 403 quotaExceeded (or dailyLimitExceeded): stop until the quota resets."""


@dataclass(frozen=True)
class YtComment:
    comment_id: str
    author_id: str
    author_name: str
    text: str
    published_at: datetime
    updated_at: datetime
    parent_id: str | None = None


@dataclass(frozen=True)
class Thread:
    video_id: str
    top: YtComment
    replies: tuple[YtComment, ...] = ()


@dataclass(frozen=True)
class Page:
    threads: list[Thread]
    next_token: str | None


@dataclass(frozen=True)
class Cursor:
    """Where the last successful poll of one channel left off."""

    published: datetime
    ids: frozenset[str] = frozenset()
    edited: datetime | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "published": self.published.isoformat(),
                "ids": sorted(self.ids),
                "edited": self.edited.isoformat() if self.edited else None,
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> Cursor:
        data = json.loads(raw)
        edited = data.get("edited")
        return cls(
            datetime.fromisoformat(data["published"]),
            frozenset(data.get("ids", [])),
            datetime.fromisoformat(edited) if edited else None,
        )

    def seen(self, comment: YtComment) -> bool:
        if comment.published_at != self.published:
            return comment.published_at < self.published
        return comment.comment_id in self.ids


def quota_exceeded(status: int, body: object) -> bool:
    """The quota error body; YouTube uses 403 (not 429) for it."""
    if status != 403:
        return False
    errors = as_list(as_dict(as_dict(body).get("error")).get("errors"))
    reasons = {as_dict(e).get("reason") for e in errors}
    return bool(reasons & {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded"})


def _comment(raw: object, parent_id: str | None = None) -> YtComment:
    comment = as_dict(raw)
    snippet = as_dict(comment.get("snippet"))
    published = to_utc(datetime.fromisoformat(str(snippet["publishedAt"])))
    updated_raw = snippet.get("updatedAt")
    updated = to_utc(datetime.fromisoformat(str(updated_raw))) if updated_raw else published
    author = as_id(as_dict(snippet.get("authorChannelId")).get("value"))
    return YtComment(
        comment_id=str(comment["id"]),
        author_id=author or "unknown",
        author_name=str(snippet.get("authorDisplayName", "")),
        text=str(snippet.get("textOriginal", snippet.get("textDisplay", ""))),
        published_at=published,
        updated_at=updated,
        parent_id=parent_id,
    )


def parse_page(body: object) -> Page:
    """One `commentThreads.list` answer; raises ValueError naming what is missing."""
    data = as_dict(body)
    threads: list[Thread] = []
    try:
        for item in as_list(data.get("items")):
            snippet = as_dict(as_dict(item).get("snippet"))
            top = _comment(snippet["topLevelComment"])
            replies = as_list(as_dict(as_dict(item).get("replies")).get("comments"))
            video = as_id(snippet.get("videoId")) or as_id(snippet.get("channelId")) or "channel"
            threads.append(Thread(video, top, tuple(_comment(r, top.comment_id) for r in replies)))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"unexpected commentThreads answer: {exc!r}") from exc
    token = data.get("nextPageToken")
    return Page(threads, token if isinstance(token, str) and token else None)


def reached(cursor: Cursor | None, page: Page) -> bool:
    """True once the page holds a thread the cursor has seen: older pages hold nothing new."""
    return cursor is not None and any(cursor.seen(t.top) for t in page.threads)


@dataclass
class Plan:
    """Comments (as ingest payload dicts, oldest first) and the cursor to store after them."""

    comments: list[dict[str, Any]] = field(default_factory=list)
    cursor: Cursor | None = None


def _as_payload(channel: str, video: str, c: YtComment, change: str) -> dict[str, Any]:
    at = c.updated_at if change == "edited" else c.published_at
    return {
        "platform": "youtube",
        "account_id": channel,
        "comment_id": c.comment_id,
        "post_id": video,
        "parent_id": c.parent_id,
        "author": {"id": c.author_id, "name": c.author_name},
        "text": c.text,
        "created_at": c.published_at.isoformat(),
        "changed_at": at.isoformat(),
        "change": change,
    }


def plan(channel: str, threads: list[Thread], cursor: Cursor | None) -> Plan:
    """New comments as `created`, later edits of seen ones as `edited`, in order of time."""
    items = [(t.video_id, c) for t in threads for c in (t.top, *t.replies)]
    items.sort(key=lambda item: (item[1].published_at, item[1].comment_id))
    result = Plan()
    edited = cursor.edited if cursor else None
    changes: list[tuple[datetime, str, dict[str, Any]]] = []
    for video, c in items:
        if cursor is None or not cursor.seen(c):
            changes.append(
                (c.published_at, c.comment_id, _as_payload(channel, video, c, "created"))
            )
        elif c.updated_at > c.published_at and (edited is None or c.updated_at > edited):
            changes.append((c.updated_at, c.comment_id, _as_payload(channel, video, c, "edited")))
    result.comments = [payload for _at, _id, payload in sorted(changes, key=lambda c: c[:2])]
    # Every scanned comment's current text is now out, so edits up to here are covered.
    newest_edit = max([c.updated_at for _, c in items] + ([edited] if edited else []), default=None)
    result.cursor = _advance(cursor, [c for _, c in items], newest_edit)
    return result


def _advance(
    cursor: Cursor | None, seen: list[YtComment], edited: datetime | None
) -> Cursor | None:
    if not seen:
        return cursor if cursor is None else Cursor(cursor.published, cursor.ids, edited)
    newest = max(c.published_at for c in seen)
    if cursor is not None and cursor.published > newest:
        return Cursor(cursor.published, cursor.ids, edited)
    ids = {c.comment_id for c in seen if c.published_at == newest}
    if cursor is not None and cursor.published == newest:
        ids |= cursor.ids
    return Cursor(newest, frozenset(ids), edited)


@dataclass
class DailyBudget:
    """Units the poller may spend per Pacific day, so replies keep their share of the quota."""

    limit: int
    day: str = ""
    used: int = 0

    def allows(self, now: datetime, units: int = 1) -> bool:
        self._roll(now)
        return self.used + units <= self.limit

    def spend(self, now: datetime, units: int = 1) -> None:
        self._roll(now)
        self.used += units

    def _roll(self, now: datetime) -> None:
        day = now.astimezone(QUOTA_TZ).date().isoformat()
        if day != self.day:
            self.day, self.used = day, 0


def next_quota_reset(now: datetime) -> datetime:
    """The next midnight Pacific time, when YouTube grants a fresh daily quota."""
    local = now.astimezone(QUOTA_TZ)
    midnight = datetime(local.year, local.month, local.day, tzinfo=QUOTA_TZ) + timedelta(days=1)
    return to_utc(midnight)
