"""Drives outbox rows to their end: claim, mark in flight, call (or look first), record.

Shared by the decision handler, the retry loop and the draft approval API, so every path obeys
the same exactly-once rules: a row is `in_flight` (committed) before its platform call, a row
found `in_flight` after its lease is an unknown outcome and a post is looked up before it is
tried again, and transient failures wait in the row (`retry_at`) instead of in the consumer.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.responder.adapters import outbox
from services.responder.adapters.base import AdapterRegistry
from services.responder.adapters.outbox import Claim, Outcome
from services.responder.domain.dispatch import dispose
from services.responder.domain.model import ActionRequest, ActionResult, PlanItem
from services.responder.events import Settled, changed, completed, ended, observe
from shared.accounts import AccountDirectory, UnknownAccount
from shared.backoff import backoff_s
from shared.clock import Clock, utcnow
from shared.contracts.actions import FINAL_STATUSES, TEXT_KINDS
from shared.db.models import ActionRow
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher

log = logging.getLogger(__name__)

DESTRUCTIVE = frozenset({"delete", "hide"})
"""Kinds withheld when the same decision's evidence could not be preserved first (R8)."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_s: float = 5.0
    cap_s: float = 900.0
    lease_s: float = 120.0
    jitter: Callable[[], float] = field(default=random.random)  # noqa: S311 - not crypto


@dataclass(frozen=True)
class _Perform:
    row: ActionRow
    claim: Claim
    request: ActionRequest
    adapter: str

    @property
    def unknown(self) -> bool:
        """Claimed while `in_flight`: an earlier call may have gone through."""
        return self.claim.status == "in_flight"


def _after_unknown(p: _Perform, r: ActionResult) -> ActionResult:
    """A post refused after an interrupted call may be refused because the first one went out."""
    if not (p.unknown and r.status == "failed" and p.request.kind in TEXT_KINDS):
        return r
    detail = (
        f"outcome of an interrupted {p.request.kind} unknown and {p.adapter} offers no way to "
        f"check; the retry was refused, so the first call may have gone out - check by hand: "
        f"{r.detail}"
    )
    return ActionResult(r.action_id, "failed", detail, r.platform_ref, r.performed_as)


def next_outcome(p: _Perform, r: ActionResult, now: datetime, policy: RetryPolicy) -> Outcome:
    """Final results end the row; a retry waits in it, until the attempts run out."""
    attempts = p.claim.attempts + 1 if r.attempted else p.claim.attempts
    if r.status != "retry":
        return Outcome(
            p.row.action_id, r.status, r.detail, attempts, r.platform_ref, now, None, r.performed_as
        )
    if attempts >= policy.max_attempts:
        detail = f"gave up after {attempts} attempts; last: {r.detail}"
        return Outcome(p.row.action_id, "failed", detail, attempts, None, now)
    wait = r.retry_after_s
    if wait is None:
        wait = backoff_s(attempts, base_s=policy.base_s, cap_s=policy.cap_s, jitter=policy.jitter())
    retry_at = now + timedelta(seconds=wait)
    status = "in_flight" if r.uncertain else "pending"
    detail = f"attempt {attempts}/{policy.max_attempts}, next at {retry_at.isoformat()}: {r.detail}"
    return Outcome(p.row.action_id, status, detail, attempts, None, None, retry_at)


class ActionDriver:
    """Built once per process by the composition root."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        publisher: EventPublisher,
        names: StreamNames,
        accounts: AccountDirectory,
        adapters: AdapterRegistry,
        policy: RetryPolicy,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._names = names
        self._accounts = accounts
        self._adapters = adapters
        self._policy = policy
        self._clock = clock
        self._performing: set[str] = set()
        """Action ids this process is calling the platform for right now: never claimed again
        while the call runs, even if it outlasts the lease (the lease guards other processes)."""

    async def settle(
        self, action_ids: Sequence[str], plans: Mapping[str, PlanItem] | None = None
    ) -> list[Settled]:
        """Drive the due rows among `action_ids`; returns every outcome recorded."""
        now = self._clock()
        claimable = [a for a in action_ids if a not in self._performing]
        async with self._sessions() as session:
            rows = await outbox.claim_due(session, claimable, now)
            order = {aid: i for i, aid in enumerate(action_ids)}
            rows.sort(key=lambda r: order.get(r.action_id, 0))
            settled, perform = self._dispose(rows, plans or {}, now)
            await outbox.record(session, [o for _r, o in settled])
            await outbox.mark_in_flight(
                session, [p.row for p in perform], now, self._policy.lease_s
            )
            await session.commit()
        if not perform:
            return settled
        calling = {p.row.action_id for p in perform}
        self._performing |= calling
        try:
            return settled + await self._call_and_record(perform)
        finally:
            self._performing -= calling

    async def _call_and_record(self, perform: list[_Perform]) -> list[Settled]:
        """The platform calls, then their outcomes; nothing else claims these rows meanwhile."""
        try:
            results = await self._perform(perform)
        except Exception:
            # The adapter contract: raising means nothing was attempted, so the rows go back.
            async with self._sessions() as session:
                await outbox.release(session, [p.claim for p in perform])
                await session.commit()
            raise
        done_at = self._clock()
        outcomes = [
            (
                p.row,
                next_outcome(p, _after_unknown(p, results[p.row.action_id]), done_at, self._policy),
            )
            for p in perform
        ]
        async with self._sessions() as session:
            await outbox.record(session, [o for _r, o in outcomes])
            await session.commit()
        return outcomes

    async def drive_due(self, limit: int = 200) -> int:
        """One pass of the retry loop: settle and publish what is due; returns rows touched."""
        async with self._sessions() as session:
            ids = await outbox.due_ids(session, self._clock(), limit)
        if not ids:
            return 0
        settled = await self.settle(ids)
        await self.announce(ids, ended(settled))
        observe(settled)
        return len(ids)

    async def announce(self, action_ids: Sequence[str], outcomes: Collection[str]) -> None:
        """After a commit: every row's state on `action_states`, and `ActionCompleted` for the
        settled ones among `outcomes` (ended just now, or redelivered and maybe never published).

        One read of the committed rows, one pipelined publish; raising leaves the batch to be
        redelivered, which republishes the same snapshots."""
        async with self._sessions() as session:
            rows = await outbox.rows(session, action_ids)
        order = {aid: i for i, aid in enumerate(action_ids)}
        rows.sort(key=lambda r: order[r.action_id])
        items: list[tuple[str, BaseModel]] = []
        for row in rows:
            items.append((self._names.action_states, changed(row)))
            if row.status in FINAL_STATUSES and row.action_id in outcomes:
                items.append((self._names.actions, completed(row)))
        await self._publisher.publish(items)

    def _dispose(
        self, rows: list[ActionRow], plans: Mapping[str, PlanItem], now: datetime
    ) -> tuple[list[Settled], list[_Perform]]:
        """Which claimed rows are called now; the rest are settled or put back to wait."""
        settled: list[Settled] = []
        perform: list[_Perform] = []
        for row in rows:
            item = plans.get(row.action_id)
            try:
                account = self._accounts.get(row.platform, row.account_id)  # type: ignore[arg-type]
            except UnknownAccount as exc:
                settled.append(
                    (
                        row,
                        Outcome(row.action_id, "failed", str(exc), row.attempts, completed_at=now),
                    )
                )
                continue
            disp = dispose(
                kind=row.kind,  # type: ignore[arg-type]
                mode=account.mode,
                not_before=row.not_before,
                now=now,
                refusals=item.refusals if item else (),
                skip=item.skip if item else None,
                approved=row.approved_at is not None,
            )
            aid = row.action_id
            if disp.route == "perform":
                perform.append(
                    _Perform(row, Claim.of(row), outbox.to_request(row), account.adapter)
                )
            elif disp.route == "pending":
                settled.append(
                    (
                        row,
                        Outcome(aid, "pending", disp.detail, row.attempts, retry_at=row.not_before),
                    )
                )
            elif disp.route == "awaiting_approval":
                settled.append((row, Outcome(aid, disp.route, disp.detail, row.attempts)))
            else:
                settled.append(
                    (row, Outcome(aid, disp.route, disp.detail, row.attempts + 1, completed_at=now))
                )
        return settled, perform

    async def _perform(self, perform: list[_Perform]) -> dict[str, ActionResult]:
        """Evidence first, in its own adapter round; removal waits on its decision's evidence."""
        evidence = [p for p in perform if p.request.kind == "preserve_evidence"]
        results = await self._call(evidence)
        lost = {
            p.request.decision_id for p in evidence if results[p.request.action_id].status != "done"
        }
        rest = [p for p in perform if p.request.kind != "preserve_evidence"]
        for p in rest:
            if p.request.kind in DESTRUCTIVE and p.request.decision_id in lost:
                results[p.request.action_id] = ActionResult(
                    p.request.action_id,
                    "failed",
                    f"withheld {p.request.kind}: evidence of the comment was not preserved",
                    attempted=False,
                )
        results.update(await self._call([p for p in rest if p.request.action_id not in results]))
        return results

    async def _call(self, perform: list[_Perform]) -> dict[str, ActionResult]:
        """Per adapter: look up posts of unknown outcome, then one `perform` for the rest."""
        by_adapter: dict[str, list[_Perform]] = {}
        for p in perform:
            by_adapter.setdefault(p.adapter, []).append(p)
        results: dict[str, ActionResult] = {}
        for name, group in by_adapter.items():
            adapter = self._adapters.get(name)
            for p in group:
                if p.unknown:  # each adapter says which kinds it can look up
                    found = await adapter.find_existing(p.request)
                    if found is not None:
                        results[p.request.action_id] = found
            todo = [p.request for p in group if p.request.action_id not in results]
            got = {r.action_id: r for r in await adapter.perform(todo)} if todo else {}
            for request in todo:
                results[request.action_id] = got.get(request.action_id) or ActionResult(
                    request.action_id, "failed", f"adapter {name!r} returned no result for it"
                )
        return results
