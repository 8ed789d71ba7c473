"""The alerts → decisions use case: reporting's escalation alert moves an exchange private (R11).

One score decides "heating up": reporting's escalation risk. Its alert is recorded on the
exchange and, when the exchange is active, automatic and not yet escalated, answered at once by
the policy's `escalated` rule (R11: a public reply inviting to a private chat, plus a private
message) on the customer's latest message. Per batch: one read, one transaction, one publish
after the commit; a redelivered alert republishes its stored decision and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.triage.adapters.unit_of_work import UnitsOfWork
from services.triage.domain.batch import TriageItem, TriageState
from services.triage.domain.context import Decision, Exchange
from services.triage.domain.exchange import exchange_changed, is_active
from services.triage.domain.ids import decision_id, planned_actions
from services.triage.domain.labelling import Labelled
from services.triage.domain.policy import Policy
from services.triage.metrics import DECISIONS
from services.triage.timekeeping import TimerAnnouncer, persist_timers
from shared.accounts import AccountDirectory
from shared.clock import Clock, utcnow
from shared.contracts import DecisionMade, Envelope, EscalationAlert
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import Publisher

log = logging.getLogger(__name__)


def alert_key(alert: EscalationAlert) -> str:
    """The decision id's source: one decision per alert event and policy version."""
    return f"alert:{alert.event_id}"


def record_alert(exchange: Exchange, alert: EscalationAlert, *, now: datetime) -> Exchange:
    """The exchange remembers the alert (score and reasons in words) for R11's decision."""
    return replace(
        exchange,
        risk_alerted_at=now,
        risk_score=alert.score,
        risk_reasons=[r.detail for r in alert.reasons],
        updated_at=now,
    )


def wants_escalation(exchange: Exchange) -> bool:
    """Active, automatic (no agent took it over) and not moved private before."""
    return is_active(exchange) and not exchange.manual and exchange.escalated_at is None


def escalation_event(
    alert: EscalationAlert,
    latest: DecisionMade,
    did: str,
    decision: Decision,
    policy_version: str,
    now: datetime,
) -> DecisionMade:
    """The decision the responder acts on: R11's actions, answering the latest message (its
    comment, language, labels and scores are kept; the rest is this decision's own)."""
    return DecisionMade.model_validate(
        {
            **latest.model_dump(),
            "event_id": did,
            "occurred_at": now,
            "decision_id": did,
            "comment_event_id": alert.event_id,
            "change": "created",
            "rule_id": decision.rule_id,
            "reason": decision.reason,
            "policy_version": policy_version,
            "category": decision.category,
            "sla_due_at": decision.sla_due_at,
            "actions": planned_actions(did, decision),
            "improvement": False,
            "trigger": "escalation_alert",
        }
    )


class AlertsHandler:
    """Batch handler for `EscalationAlert`; raising leaves the whole batch pending for retry."""

    def __init__(
        self,
        *,
        policy: Policy,
        accounts: AccountDirectory,
        units: UnitsOfWork,
        publisher: Publisher,
        names: StreamNames,
        timekeeper: TimerAnnouncer,
        clock: Clock = utcnow,
    ) -> None:
        self._policy = policy
        self._accounts = accounts
        self._units = units
        self._publisher = publisher
        self._names = names
        self._timekeeper = timekeeper
        self._clock = clock

    async def __call__(self, batch: Sequence[Delivery[EscalationAlert]]) -> None:
        now = self._clock()
        alerts = list({d.event.event_id: d.event for d in batch}.values())
        ids = {a.event_id: decision_id(alert_key(a), self._policy.version) for a in alerts}
        made: dict[str, DecisionMade] = {}
        async with self._units() as uow:
            repo = uow.store
            stored = await repo.stored_events(set(ids.values()))
            fresh = [a for a in alerts if ids[a.event_id] not in stored]
            # Redelivered alerts' threads too: their exchange states are republished.
            threads = {a.thread_id for a in alerts}
            state = TriageState(exchanges=await repo.exchanges(threads))
            state.timers.pending = await uow.timers.pending_by_thread(threads)
            customers = {t: ex.customer_id for t, ex in state.exchanges.items()}
            latest = await repo.latest_customer_events(customers)
            for alert in fresh:
                event = self._escalate(alert, ids[alert.event_id], state, latest, now)
                if event is not None:
                    made[event.decision_id] = event
            if await repo.insert_decisions(list(made.values()), now) != set(made):
                raise RuntimeError(
                    "escalation decisions were stored concurrently by another triage consumer; "
                    "rolling back so the batch is retried as a redelivery"
                )
            await repo.save_exchanges(state.exchanges[t] for t in sorted(state.touched_threads))
            timer_rows = await persist_timers(uow.timers, state.timers, now)
            await uow.commit()
        outgoing = {did: DecisionMade.model_validate(body) for did, body in stored.items()}
        outgoing.update(made)
        published: list[tuple[str, Envelope]] = [
            (self._names.decisions, outgoing[did]) for did in ids.values() if did in outgoing
        ]
        published += [
            (self._names.exchanges, exchange_changed(x)) for x in state.exchanges.values()
        ]
        await self._publisher.publish(published)
        await self._timekeeper.announce(timer_rows)
        for event in made.values():
            DECISIONS.labels(event.rule_id).inc()

    def _escalate(
        self,
        alert: EscalationAlert,
        did: str,
        state: TriageState,
        latest: dict[str, dict[str, Any]],
        now: datetime,
    ) -> DecisionMade | None:
        """Record the alert; decide R11 when the exchange wants it. Mutates `state`."""
        context = {"correlation_id": alert.thread_id, "decision_id": did}
        exchange = state.exchanges.get(alert.thread_id)
        if exchange is None:
            log.info("escalation alert for %s: no exchange here", alert.thread_id, extra=context)
            return None
        state.exchanges[alert.thread_id] = record_alert(exchange, alert, now=now)
        state.touched_threads.add(alert.thread_id)
        body = latest.get(alert.thread_id)
        if not wants_escalation(exchange) or body is None:
            log.info(
                "escalation alert for %s recorded (state %s, manual %s, escalated %s)",
                alert.thread_id,
                exchange.state,
                exchange.manual,
                exchange.escalated_at is not None,
                extra=context,
            )
            return None
        source = DecisionMade.model_validate(body)
        comment = source.comment
        labelled = Labelled(lang=source.lang, labels=source.labels, scores=source.scores)
        account = self._accounts.get(comment.platform, comment.account_id)
        item = TriageItem(comment, "created", labelled, account, did)
        decision = self._policy.decide_escalation(comment, labelled, state.context(item), now=now)
        if decision is None:
            return None
        state.apply(item, decision, now=now)
        event = escalation_event(alert, source, did, decision, self._policy.version, now)
        log.info(
            "escalation risk %.0f on %s: %s, %d action(s)",
            alert.score,
            alert.thread_id,
            decision.rule_id,
            len(decision.actions),
            extra=context,
        )
        return event
