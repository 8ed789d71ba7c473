"""The responder's use case: outbox row first, then at most one platform call per action id."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.responder.adapters import outbox
from services.responder.adapters.base import AdapterRegistry
from services.responder.adapters.outbox import Outcome
from services.responder.domain.dispatch import dispose
from services.responder.domain.model import ActionRequest, ActionResult, PlanItem
from services.responder.domain.plan import plan_decision
from services.responder.domain.templates import TemplateBook
from services.responder.metrics import ACTIONS
from shared.accounts import AccountDirectory
from shared.contracts import ActionCompleted, DecisionMade
from shared.db.models import ActionRow
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher

log = logging.getLogger(__name__)

DESTRUCTIVE = frozenset({"delete", "hide"})
"""Kinds withheld when the same decision's evidence could not be preserved first (R8)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Perform:
    row: ActionRow
    request: ActionRequest
    adapter: str


class DecisionHandler:
    """Batch handler for `DecisionMade`; built by the composition root with its collaborators."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        publisher: EventPublisher,
        names: StreamNames,
        accounts: AccountDirectory,
        templates: TemplateBook,
        adapters: AdapterRegistry,
        brand: str,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._names = names
        self._accounts = accounts
        self._templates = templates
        self._adapters = adapters
        self._brand = brand
        self._clock = clock

    def _plan(self, decision: DecisionMade) -> list[PlanItem]:
        account = self._accounts.get(decision.comment.platform, decision.comment.account_id)
        return plan_decision(decision, account, self._templates, self._brand)

    async def handle(self, batch: Sequence[Delivery[DecisionMade]]) -> None:
        """Insert rows, commit, perform what is still pending, commit, publish; raise to retry."""
        now = self._clock()
        items = [item for d in batch for item in self._plan(d.event)]
        ids = [i.request.action_id for i in items]
        retried = {d.event.decision_id for d in batch if d.attempt > 1}
        async with self._sessions() as session:
            await outbox.insert_pending(session, [i.request for i in items], now)
            await session.commit()
        async with self._sessions() as session:
            rows = await outbox.lock_pending(session, ids)
            settled = await self._settle(session, rows, items, now)
            await session.commit()
            again = await outbox.final_rows(
                session, [i.request.action_id for i in items if i.request.decision_id in retried]
            )
        settled_ids = {row.action_id for row, _o in settled}
        events = [_completed(row, o) for row, o in settled if o.status in outbox.FINAL_STATUSES]
        events += [_completed_from_row(r) for r in again if r.action_id not in settled_ids]
        await self._publisher.publish((self._names.actions, e) for e in events)
        self._observe(settled)

    @staticmethod
    def _observe(settled: list[tuple[ActionRow, Outcome]]) -> None:
        for row, o in settled:
            ACTIONS.labels(row.kind, o.status).inc()
            log.info(
                "action %s (%s) %s: %s",
                row.action_id,
                row.kind,
                o.status,
                o.detail,
                extra={"correlation_id": row.correlation_id, "action_id": row.action_id},
            )

    async def _settle(
        self, session: AsyncSession, rows: list[ActionRow], items: list[PlanItem], now: datetime
    ) -> list[tuple[ActionRow, Outcome]]:
        """Decide each locked row's fate, call adapters for the rest, record every outcome."""
        by_id = {row.action_id: row for row in rows}
        outcomes: list[tuple[ActionRow, Outcome]] = []
        perform: list[_Perform] = []
        for item in items:
            row = by_id.pop(item.request.action_id, None)
            if row is None:
                continue
            account = self._accounts.get(item.request.platform, item.request.account_id)
            disp = dispose(
                kind=item.request.kind,
                mode=account.mode,
                not_before=row.not_before,
                now=now,
                refusals=item.refusals,
                skip=item.skip,
            )
            if disp.route == "perform":
                perform.append(
                    _Perform(row, outbox.to_request(row, item.request.detail), account.adapter)
                )
            elif disp.route != "pending":
                completed = now if disp.route in outbox.FINAL_STATUSES else None
                outcomes.append(
                    (
                        row,
                        Outcome(
                            row.action_id,
                            disp.route,
                            disp.detail,
                            row.attempts + 1,
                            None,
                            completed,
                        ),
                    )
                )
        outcomes += await self._perform(perform, now)
        await outbox.record(session, [o for _row, o in outcomes])
        return outcomes

    async def _perform(
        self, perform: list[_Perform], now: datetime
    ) -> list[tuple[ActionRow, Outcome]]:
        """Evidence first, in its own adapter round; removal waits on its decision's evidence."""
        evidence = [p for p in perform if p.request.kind == "preserve_evidence"]
        results = await self._call(evidence)
        lost = {
            p.request.decision_id for p in evidence if results[p.request.action_id].status != "done"
        }
        rest = [p for p in perform if p.request.kind != "preserve_evidence"]
        withheld = [
            p for p in rest if p.request.kind in DESTRUCTIVE and p.request.decision_id in lost
        ]
        for p in withheld:
            results[p.request.action_id] = ActionResult(
                p.request.action_id,
                "failed",
                f"withheld {p.request.kind}: evidence of the comment was not preserved",
            )
        withheld_ids = {p.request.action_id for p in withheld}
        results.update(
            await self._call([p for p in rest if p.request.action_id not in withheld_ids])
        )
        return [
            (
                p.row,
                Outcome(
                    p.row.action_id, r.status, r.detail, p.row.attempts + 1, r.platform_ref, now
                ),
            )
            for p in perform
            for r in [results[p.request.action_id]]
        ]

    async def _call(self, perform: list[_Perform]) -> dict[str, ActionResult]:
        """One adapter call per adapter name; a missing result is a recorded failure."""
        by_adapter: dict[str, list[ActionRequest]] = {}
        for p in perform:
            by_adapter.setdefault(p.adapter, []).append(p.request)
        results: dict[str, ActionResult] = {}
        for name, requests in by_adapter.items():
            got = {r.action_id: r for r in await self._adapters.get(name).perform(requests)}
            for request in requests:
                results[request.action_id] = got.get(request.action_id) or ActionResult(
                    request.action_id, "failed", f"adapter {name!r} returned no result for it"
                )
        return results


def _completed(row: ActionRow, outcome: Outcome) -> ActionCompleted:
    return ActionCompleted(
        occurred_at=outcome.completed_at or datetime.now(UTC),
        correlation_id=row.correlation_id,
        account_id=row.account_id,
        action_id=row.action_id,
        decision_id=row.decision_id,
        kind=row.kind,
        platform=row.platform,
        comment_id=row.comment_id,
        thread_id=row.thread_id,
        status=outcome.status,
        detail=outcome.detail,
        platform_ref=outcome.platform_ref,
        performed_at=outcome.completed_at or datetime.now(UTC),
    )


def _completed_from_row(row: ActionRow) -> ActionCompleted:
    """Republished on redelivery: a crash between commit and publish must not lose the event."""
    return _completed(
        row,
        Outcome(
            row.action_id, row.status, row.detail, row.attempts, row.platform_ref, row.completed_at
        ),
    )
