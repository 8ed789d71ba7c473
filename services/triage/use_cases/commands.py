"""The agent-commands use case in triage: resolve, reopen, take over or release an exchange.

One transaction per batch: exchange state, cancelled SLA clocks of resolved exchanges, and the
R12 deletion request (a decision of its own, keyed by the command's event id, so a redelivered
command republishes the same decision instead of asking twice). Publishing follows the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from services.triage.adapters.unit_of_work import TimerStore, UnitsOfWork
from services.triage.domain.agent import ExchangeCommand, apply_command, newly_resolved
from services.triage.domain.context import Exchange
from services.triage.domain.exchange import exchange_changed
from services.triage.domain.ids import action_id
from services.triage.timekeeping import TimerAnnouncer
from shared.accounts import AccountDirectory
from shared.clock import Clock, utcnow
from shared.contracts import AgentCommand, DecisionMade, Envelope, PlannedAction
from shared.contracts.commands import TRIAGE_COMMANDS
from shared.db.models import SlaTimerRow
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames

log = logging.getLogger(__name__)


def command_decision_id(command: AgentCommand) -> str:
    """One decision per command event, ever."""
    return f"agent-{command.event_id}"


def deletion_request(
    command: AgentCommand, opening: dict[str, Any], policy_version: str, now: datetime
) -> DecisionMade:
    """R12 after an agent resolved the exchange: ask the customer to delete the first comment."""
    first = DecisionMade.model_validate(opening)
    did = command_decision_id(command)
    return DecisionMade(
        event_id=did,
        occurred_at=now,
        correlation_id=first.correlation_id,
        account_id=first.account_id,
        decision_id=did,
        comment_event_id=first.comment_event_id,
        comment=first.comment,
        lang=first.lang,
        labels=[],
        scores={},
        rule_id="R12",
        reason=f"resolved by {command.agent} in the inbox; asking the customer to delete the "
        "original comment, as this account wants after resolution",
        policy_version=policy_version,
        actions=[
            PlannedAction(
                action_id=action_id(did, "request_deletion"),
                kind="request_deletion",
                template="request_deletion",
            )
        ],
    )


class CommandHandler:
    """Batch handler for `AgentCommand` (the exchange kinds); raising retries the batch."""

    def __init__(
        self,
        *,
        units: UnitsOfWork,
        accounts: AccountDirectory,
        timekeeper: TimerAnnouncer,
        names: StreamNames,
        policy_version: str,
        clock: Clock = utcnow,
    ) -> None:
        self._units = units
        self._accounts = accounts
        self._timekeeper = timekeeper
        self._names = names
        self._policy_version = policy_version
        self._clock = clock

    async def __call__(self, batch: Sequence[Delivery[AgentCommand]]) -> None:
        commands = [d.event for d in batch if d.event.kind in TRIAGE_COMMANDS]
        if not commands:
            return
        now = self._clock()
        threads = {c.thread_id for c in commands}
        async with self._units() as uow:
            repo = uow.store
            exchanges = await repo.exchanges(threads)
            openings = await repo.opening_events(threads)
            stored = await repo.stored_events({command_decision_id(c) for c in commands})
            changed, resolved, made = self._apply(commands, exchanges, openings, stored, now)
            await repo.save_exchanges(changed.values())
            await repo.insert_decisions(made, now)
            timer_rows = await self._cancel_clocks(uow.timers, resolved, now)
            await uow.commit()
        decisions = [DecisionMade.model_validate(e) for e in stored.values()] + made
        extra: list[tuple[str, Envelope]] = [(self._names.decisions, d) for d in decisions]
        extra += [(self._names.exchanges, exchange_changed(x)) for x in exchanges.values()]
        await self._timekeeper.announce(timer_rows, extra)

    def _apply(
        self,
        commands: list[AgentCommand],
        exchanges: dict[str, Exchange],
        openings: dict[str, dict[str, Any]],
        stored: dict[str, dict[str, Any]],
        now: datetime,
    ) -> tuple[dict[str, Exchange], dict[str, str], list[DecisionMade]]:
        """Commands in stream order against the exchanges as they go."""
        changed: dict[str, Exchange] = {}
        resolved: dict[str, str] = {}
        made: list[DecisionMade] = []
        for command in commands:
            before = exchanges.get(command.thread_id)
            extra = {"correlation_id": command.correlation_id}
            if before is None:
                log.warning(
                    "%s by %s: no exchange %s in triage; ignored",
                    command.kind,
                    command.agent,
                    command.thread_id,
                    extra=extra,
                )
                continue
            after = apply_command(before, cast(ExchangeCommand, command.kind), now=now)
            log.info(
                "%s by %s: exchange %s %s -> %s (manual %s)",
                command.kind,
                command.agent,
                command.thread_id,
                before.state,
                after.state,
                after.manual,
                extra=extra,
            )
            if after == before:
                continue
            exchanges[command.thread_id] = changed[command.thread_id] = after
            if newly_resolved(before, after):
                resolved[command.thread_id] = f"resolved by {command.agent} in the inbox"
                wants = self._accounts.get(after.platform, after.account_id)
                opening = openings.get(command.thread_id)
                fresh = command_decision_id(command) not in stored
                if wants.ask_deletion_after_resolution and opening is not None and fresh:
                    made.append(deletion_request(command, opening, self._policy_version, now))
        return changed, resolved, made

    @staticmethod
    async def _cancel_clocks(
        timers: TimerStore, resolved: dict[str, str], now: datetime
    ) -> list[SlaTimerRow]:
        """A resolved exchange owes no first response any more: its pending clocks stop."""
        if not resolved:
            return []
        pending = await timers.pending_by_thread(set(resolved))
        reasons = {t.timer_id: resolved[thread] for thread, ts in pending.items() for t in ts}
        return await timers.cancel(reasons, now)
