"""The comments → decisions use case, one batch at a time.

Per batch: one read of existing decisions, exchanges, author records and pending timers; one
classification call; decisions in stream order; one transaction; one publish pipeline after the
commit (the decisions, then the whole state of every exchange the batch touched or read, for
reporting's copy). A decision that already exists (redelivery) is republished from its stored
event and changes nothing, so a crash between commit and publish heals on the next delivery.
Timer starts and cancellations commit with the decisions; their events follow the decisions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.triage.adapters.unit_of_work import UnitOfWork, UnitsOfWork
from services.triage.domain.aspects import AspectAssigner
from services.triage.domain.batch import TriageItem, TriageState, author_key, decide_in_order
from services.triage.domain.context import Decision
from services.triage.domain.exchange import exchange_changed
from services.triage.domain.ids import decision_id, planned_actions
from services.triage.domain.labelling import Labelled, Labeller
from services.triage.metrics import CLASSIFIED, DECISIONS
from services.triage.timekeeping import TimerAnnouncer, persist_timers
from shared.accounts import AccountDirectory
from shared.aspects import is_complaint
from shared.clock import Clock, utcnow
from shared.contracts import CommentReceived, DecisionMade, Envelope
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import Publisher

log = logging.getLogger(__name__)


def to_event(
    source: CommentReceived,
    did: str,
    labelled: Labelled,
    decision: Decision,
    policy_version: str,
    now: datetime,
    aspects: Sequence[str] = (),
) -> DecisionMade:
    """The self-contained event the responder and reporting act on."""
    return DecisionMade(
        event_id=did,
        occurred_at=now,
        correlation_id=source.correlation_id,
        account_id=source.account_id,
        decision_id=did,
        comment_event_id=source.event_id,
        change=source.change,
        comment=source.comment,
        lang=labelled.lang,
        labels=labelled.labels,
        scores=labelled.scores,
        rule_id=decision.rule_id,
        reason=decision.reason,
        policy_version=policy_version,
        category=decision.category,
        sla_due_at=decision.sla_due_at,
        actions=planned_actions(did, decision),
        improvement=decision.improvement,
        aspects=list(aspects),
    )


@dataclass
class _Batch:
    """The events of one delivery batch that need a new decision, and what came of them."""

    events: list[CommentReceived]
    ids: list[str]
    made: dict[str, DecisionMade]
    labelled: dict[int, Labelled] = field(default_factory=dict)
    items: list[TriageItem] = field(default_factory=list)
    decisions: list[Decision | None] = field(default_factory=list)


class CommentsHandler:
    """Batch handler for `CommentReceived`; raising leaves the whole batch pending for retry."""

    def __init__(
        self,
        *,
        labeller: Labeller,
        aspects: AspectAssigner | None = None,
        accounts: AccountDirectory,
        units: UnitsOfWork,
        publisher: Publisher,
        names: StreamNames,
        timekeeper: TimerAnnouncer,
        clock: Clock = utcnow,
    ) -> None:
        self._timekeeper = timekeeper
        self._labeller = labeller
        self._aspects = aspects or AspectAssigner(None, None)
        """Without one (tests of other things), the word patterns alone name the aspects."""
        self._policy = labeller.policy
        self._accounts = accounts
        self._units = units
        self._publisher = publisher
        self._names = names
        self._clock = clock

    async def __call__(self, batch: Sequence[Delivery[CommentReceived]]) -> None:
        now = self._clock()
        events = [delivery.event for delivery in batch]
        ids = [decision_id(e.dedupe_key, self._policy.version) for e in events]
        async with self._units() as uow:
            stored = await uow.store.stored_events(set(ids))
            fresh = _Batch([], [], {})
            for event, did in zip(events, ids, strict=True):
                if did not in stored and did not in fresh.ids:
                    fresh.events.append(event)
                    fresh.ids.append(did)
            state = await self._load(uow, fresh)
            fresh.decisions = decide_in_order(self._policy, fresh.items, state, now=now)
            self._to_events(fresh, now)
            await self._persist(uow, fresh, state, now)
            timer_rows = await persist_timers(uow.timers, state.timers, now)
            await uow.commit()
            # Redelivered events' exchanges too, so a publish lost after a commit is healed.
            others = {e.comment.thread_id for e in events} - set(state.exchanges)
            known = {**state.exchanges, **(await uow.store.exchanges(others) if stored else {})}
        outgoing: dict[str, DecisionMade] = {
            did: DecisionMade.model_validate(body) for did, body in stored.items()
        }
        outgoing.update(fresh.made)
        published: list[tuple[str, Envelope]] = [
            (self._names.decisions, outgoing[did]) for did in dict.fromkeys(ids) if did in outgoing
        ]
        published += [(self._names.exchanges, exchange_changed(x)) for x in known.values()]
        await self._publisher.publish(published)
        await self._timekeeper.announce(timer_rows)
        self._observe(fresh, redelivered=len(stored))

    async def _load(self, uow: UnitOfWork, fresh: _Batch) -> TriageState:
        """Classify the new events at once and load the state they are decided against."""
        comments = [e.comment for e in fresh.events]
        accounts = [self._accounts.get(c.platform, c.account_id) for c in comments]
        fresh.labelled = self._label(fresh.events, [a.language for a in accounts])
        threads = {c.thread_id for c in comments}
        state = TriageState(
            exchanges=await uow.store.exchanges(threads),
            authors=await uow.store.authors({author_key(c) for c in comments}),
        )
        state.timers.pending = await uow.timers.pending_by_thread(threads)
        fresh.items = [
            TriageItem(e.comment, e.change, fresh.labelled.get(i), accounts[i], fresh.ids[i])
            for i, e in enumerate(fresh.events)
        ]
        return state

    def _to_events(self, fresh: _Batch, now: datetime) -> None:
        """The decisions as events; complaints with their aspects, in one encoder call."""
        decided = [(i, d) for i, d in enumerate(fresh.decisions) if d is not None]
        complaints = [i for i, d in decided if is_complaint(d.category)]
        texts = [fresh.events[i].comment.text for i in complaints]
        aspects = dict(zip(complaints, self._aspects.assign(texts), strict=True))
        for i, decision in decided:
            did = fresh.ids[i]
            fresh.made[did] = to_event(
                fresh.events[i],
                did,
                fresh.labelled[i],
                decision,
                self._policy.version,
                now,
                aspects.get(i, []),
            )

    def _label(self, events: list[CommentReceived], langs: list[str]) -> dict[int, Labelled]:
        """One classifier call for the batch; removed comments are not classified."""
        wanted = [i for i, e in enumerate(events) if e.change != "removed"]
        results = self._labeller.label_batch([(events[i].comment.text, langs[i]) for i in wanted])
        return dict(zip(wanted, results, strict=True))

    async def _persist(
        self, uow: UnitOfWork, fresh: _Batch, state: TriageState, now: datetime
    ) -> None:
        """Decisions first; state only if every one of them was new (else retry the batch)."""
        repo = uow.store
        inserted = await repo.insert_decisions(list(fresh.made.values()), now)
        if inserted != set(fresh.made):
            raise RuntimeError(
                f"{len(set(fresh.made) - inserted)} decisions were stored concurrently by another "
                "triage consumer; rolling back so the batch is retried as a redelivery"
            )
        await repo.save_exchanges(state.exchanges[t] for t in sorted(state.touched_threads))
        await repo.add_strikes(
            {key: state.authors[key] for key in sorted(state.touched_authors)},
            state.strike_deltas,
        )

    def _observe(self, fresh: _Batch, *, redelivered: int) -> None:
        for made in fresh.made.values():
            CLASSIFIED.labels(made.lang).inc()
            DECISIONS.labels(made.rule_id).inc()
            log.info(
                "comment %s on %s: %s, %d action(s) — %s",
                made.comment.comment_id,
                made.comment.platform,
                made.rule_id,
                len(made.actions),
                made.reason,
                extra=_log_fields(made),
            )
        if redelivered:
            log.info("republished %d existing decision(s) of a redelivered batch", redelivered)


def _log_fields(made: DecisionMade) -> dict[str, Any]:
    return {
        "correlation_id": made.correlation_id,
        "rule_id": made.rule_id,
        "decision_id": made.decision_id,
        "comment_id": made.comment.comment_id,
    }
