"""The actions → first response use case: outcomes counted, a reply done answers the exchange."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters.signals import ReportingRepository
from services.reporting.domain.summary import ExchangeSummary, apply_response, awaiting_message
from services.reporting.metrics import ACTIONS, FIRST_RESPONSE
from shared.contracts import ActionCompleted
from shared.contracts.actions import REPLY_KINDS
from shared.streams.consumer import Delivery


class ActionHandler:
    """Counts outcomes; a reply done records the exchange's first response."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, batch: Sequence[Delivery[ActionCompleted]]) -> None:
        """A reply seen before its message's decision is held in a placeholder summary."""
        actions = list({d.event.action_id: d.event for d in batch}.values())
        replies = [a for a in actions if a.kind in REPLY_KINDS and a.status == "done"]
        answered: list[ExchangeSummary] = []
        if replies:
            async with self._sessions() as session, session.begin():
                repo = ReportingRepository(session)
                current = await repo.summaries({a.thread_id for a in replies})
                for a in replies:
                    if a.thread_id not in current:
                        current[a.thread_id] = awaiting_message(
                            a.thread_id, a.platform, a.account_id, a.performed_at
                        )
                before = {t: s.first_response_at for t, s in current.items()}
                for a in sorted(replies, key=lambda a: a.performed_at):
                    current[a.thread_id] = apply_response(current[a.thread_id], a.performed_at)
                answered = [s for t, s in current.items() if s.first_response_at != before[t]]
                await repo.save_summaries(list(current.values()))
        for a in actions:
            ACTIONS.labels(a.kind, a.status).inc()
        for s in answered:
            if s.messages and s.first_response_at is not None and before[s.thread_id] is None:
                FIRST_RESPONSE.observe((s.first_response_at - s.first_message_at).total_seconds())
