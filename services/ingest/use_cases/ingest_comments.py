"""The ingest use case: accounts check, thread resolution, one atomic publish per request."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.ingest.domain.intake import (
    CommentResult,
    IngestReport,
    Outcome,
    Submission,
    build_event,
    is_own_comment,
)
from services.ingest.domain.payload import FieldError, IncomingComment, InvalidComments
from services.ingest.domain.threads import lookup_fields, resolve_threads, thread_field
from services.ingest.metrics import COMMENTS
from shared.accounts import AccountDirectory, UnknownAccount

log = logging.getLogger(__name__)


class UnknownAccounts(InvalidComments):
    """Comments addressed to pages this installation does not manage."""


class IntakeStore(Protocol):
    async def known_threads(self, fields: Sequence[str]) -> dict[str, str]: ...
    async def submit(self, items: Sequence[Submission]) -> list[Outcome]: ...


class IngestComments:
    """Turns validated comments into at most one `comment.received` event each."""

    def __init__(self, accounts: AccountDirectory, store: IntakeStore) -> None:
        self._accounts = accounts
        self._store = store

    async def __call__(self, comments: Sequence[IncomingComment], *, now: datetime) -> IngestReport:
        self._check_accounts(comments)
        if not comments:
            return IngestReport([])
        known = await self._store.known_threads(lookup_fields(comments))
        threads = resolve_threads(comments, known)
        submissions = [
            Submission(
                thread_field(c.platform, c.comment_id),
                thread,
                None if is_own_comment(c) else build_event(c, thread, now=now),
            )
            for c, thread in zip(comments, threads, strict=True)
        ]
        outcomes = await self._store.submit(submissions)
        results = [
            CommentResult(c.comment_id, c.platform, o.status, s.thread_id, o.event_id)
            for c, s, o in zip(comments, submissions, outcomes, strict=True)
        ]
        self._record(results)
        return IngestReport(results)

    def _check_accounts(self, comments: Sequence[IncomingComment]) -> None:
        errors: list[FieldError] = []
        for index, c in enumerate(comments):
            try:
                self._accounts.get(c.platform, c.account_id)
            except UnknownAccount as exc:
                errors.append(FieldError(index, "account_id", str(exc)))
        if errors:
            raise UnknownAccounts(errors, "unknown account")

    @staticmethod
    def _record(results: Sequence[CommentResult]) -> None:
        for r in results:
            COMMENTS.labels(r.platform, r.status).inc()
            log.debug(
                "comment %s:%s %s",
                r.platform,
                r.comment_id,
                r.status,
                extra={"correlation_id": r.thread_id, "event_id": r.event_id},
            )
