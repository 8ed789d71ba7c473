"""The YouTube poller: per channel, read new comment threads and hand them to the use case.

The cursor is saved only after the comments are in Redis, so a crash re-reads rather than loses;
the dedupe keys turn such a re-read into duplicates, never into second events. Quota is spent
from a daily budget, and YouTube's own `quotaExceeded` pauses polling for the backoff time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import ValidationError

from services.ingest.connectors.youtube import (
    Cursor,
    DailyBudget,
    QuotaExceeded,
    Thread,
    next_quota_reset,
    parse_page,
    plan,
    reached,
)
from services.ingest.domain.intake import IngestReport
from services.ingest.domain.payload import IncomingComment
from services.ingest.metrics import COMMENTS, YOUTUBE_POLLS
from shared.clock import utcnow

log = logging.getLogger(__name__)


class ThreadSource(Protocol):
    async def comment_threads(self, channel: str, page_token: str | None) -> dict[str, object]: ...


class CursorStore(Protocol):
    async def load(self, channel: str) -> Cursor | None: ...
    async def save(self, channel: str, cursor: Cursor) -> None: ...


class Ingest(Protocol):
    async def __call__(
        self, comments: Sequence[IncomingComment], *, now: datetime
    ) -> IngestReport: ...


class BudgetExhausted(RuntimeError):
    """The poller's own daily share of the quota is spent."""


class YouTubePoller:
    def __init__(
        self,
        api: ThreadSource,
        cursors: CursorStore,
        ingest: Ingest,
        channels: Sequence[str],
        *,
        max_pages: int,
        budget: DailyBudget,
        backoff_s: float,
        interval_s: float,
    ) -> None:
        self._api = api
        self._cursors = cursors
        self._ingest = ingest
        self._channels = list(channels)
        self._max_pages = max_pages
        self._budget = budget
        self._backoff = timedelta(seconds=backoff_s)
        self._interval = interval_s
        self.resume_at: datetime | None = None

    async def poll_once(self, now: datetime) -> float:
        """Poll every channel unless backing off; returns the seconds until the next poll."""
        if self.resume_at is not None and now < self.resume_at:
            return (self.resume_at - now).total_seconds()
        self.resume_at = None
        for channel in self._channels:
            try:
                await self.poll_channel(channel, now)
            except QuotaExceeded as exc:
                YOUTUBE_POLLS.labels("quota_exceeded").inc()
                self.resume_at = now + self._backoff
                log.warning("%s; pausing YouTube polling until %s", exc, self.resume_at)
                return self._backoff.total_seconds()
            except BudgetExhausted:
                YOUTUBE_POLLS.labels("budget_exhausted").inc()
                self.resume_at = next_quota_reset(now)
                log.warning("YOUTUBE_DAILY_QUOTA spent; polling resumes at %s", self.resume_at)
                return (self.resume_at - now).total_seconds()
        return self._interval

    async def poll_channel(self, channel: str, now: datetime) -> int:
        """New comments of one channel into ingest, then the cursor; returns how many were sent."""
        cursor = await self._cursors.load(channel)
        threads = await self._read_new(channel, cursor, now)
        result = plan(channel, threads, cursor)
        comments = self._validated(channel, result.comments)
        if comments:
            await self._ingest(comments, now=now)
        if result.cursor is not None and result.cursor != cursor:
            await self._cursors.save(channel, result.cursor)
        YOUTUBE_POLLS.labels("ok").inc()
        return len(comments)

    async def _read_new(self, channel: str, cursor: Cursor | None, now: datetime) -> list[Thread]:
        """Pages newest first until the cursor is reached, the last page, or `max_pages`."""
        threads: list[Thread] = []
        token: str | None = None
        for _ in range(self._max_pages):
            if not self._budget.allows(now):
                raise BudgetExhausted(channel)
            self._budget.spend(now)
            page = parse_page(await self._api.comment_threads(channel, token))
            threads.extend(page.threads)
            if reached(cursor, page) or page.next_token is None:
                return threads
            token = page.next_token
        log.warning(
            "YouTube channel %s has more than %d pages of new threads; older ones are skipped "
            "(raise YOUTUBE_MAX_PAGES or poll more often)",
            channel,
            self._max_pages,
        )
        return threads

    @staticmethod
    def _validated(channel: str, payloads: list[dict[str, object]]) -> list[IncomingComment]:
        comments: list[IncomingComment] = []
        for payload in payloads:
            try:
                comments.append(IncomingComment.model_validate(payload))
            except ValidationError as exc:
                COMMENTS.labels("youtube", "rejected").inc()
                log.error(
                    "YouTube comment %s of channel %s does not fit the comment shape: %s",
                    payload.get("comment_id"),
                    channel,
                    exc,
                )
        return comments

    async def run(self, stop: asyncio.Event) -> None:
        """The loop `runtime.spawn` runs; a failed poll is logged and retried next interval."""
        log.info("YouTube poller started for %d channels", len(self._channels))
        while not stop.is_set():
            try:
                delay = await self.poll_once(utcnow())
            except Exception:  # noqa: BLE001 - logged with context; the next poll retries
                YOUTUBE_POLLS.labels("error").inc()
                log.exception("YouTube poll failed; retrying in %.0f s", self._interval)
                delay = self._interval
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
            except TimeoutError:
                continue
