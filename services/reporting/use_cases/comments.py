"""Use cases behind the reporting consumers: decode is done, persist once per batch, count."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters.history import CommentHistoryRepository
from services.reporting.domain.history import fold_states, unique_events
from services.reporting.metrics import COMMENTS
from shared.contracts import CommentReceived
from shared.streams.consumer import Delivery

log = logging.getLogger(__name__)


class CommentHistoryHandler:
    """Records comment events as history and current state; redelivery changes nothing."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, batch: Sequence[Delivery[CommentReceived]]) -> None:
        """One transaction per batch; raising leaves the batch pending for a retry."""
        events = unique_events(d.event for d in batch)
        async with self._sessions() as session, session.begin():
            repo = CommentHistoryRepository(session)
            inserted = await repo.append_events(events)
            await repo.upsert_states(fold_states(events))
        for event in events:
            if event.event_id in inserted:
                COMMENTS.labels(event.comment.platform, event.change).inc()
                log.debug(
                    "recorded %s of %s:%s",
                    event.change,
                    event.comment.platform,
                    event.comment.comment_id,
                    extra={"correlation_id": event.correlation_id},
                )
