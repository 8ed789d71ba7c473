"""The responder's use case: outbox rows first, then at most one platform call per action id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.responder.adapters import outbox
from services.responder.domain.model import PlanItem
from services.responder.domain.plan import plan_decision
from services.responder.domain.templates import TemplateBook
from services.responder.driver import ActionDriver
from services.responder.events import ended, observe
from shared.accounts import AccountDirectory
from shared.clock import Clock, utcnow
from shared.contracts import DecisionMade
from shared.streams.consumer import Delivery


class DecisionHandler:
    """Batch handler for `DecisionMade`; built by the composition root with its collaborators."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        driver: ActionDriver,
        accounts: AccountDirectory,
        templates: TemplateBook,
        brand: str,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._driver = driver
        self._accounts = accounts
        self._templates = templates
        self._brand = brand
        self._clock = clock

    def _plan(self, decision: DecisionMade) -> list[PlanItem]:
        account = self._accounts.get(decision.comment.platform, decision.comment.account_id)
        return plan_decision(decision, account, self._templates, self._brand)

    async def handle(self, batch: Sequence[Delivery[DecisionMade]]) -> None:
        """Insert rows, commit, drive what is due, publish once; raise to have it redelivered.

        A redelivered decision republishes its settled outcomes: the first publish may be lost."""
        items = [item for d in batch for item in self._plan(d.event)]
        ids = [i.request.action_id for i in items]
        retried = {d.event.decision_id for d in batch if d.attempt > 1}
        async with self._sessions() as session:
            await outbox.insert_pending(session, [i.request for i in items], self._clock())
            await session.commit()
        settled = await self._driver.settle(ids, {i.request.action_id: i for i in items})
        again = {i.request.action_id for i in items if i.request.decision_id in retried}
        await self._driver.announce(ids, ended(settled) | again)
        observe(settled)
