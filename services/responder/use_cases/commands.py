"""Agent commands for the outbox: approve (maybe edited) or discard a draft, undo a hide, and
actions by hand (reply, message, hide, unhide, delete, block, unblock, report).

An approval only flips the row to `pending` with `approved_at`; the driver then performs it
under the outbox's exactly-once rules, so a redelivered command finds the row no longer
awaiting approval and does nothing. An edit that fails the tone guard (R13) keeps the row
awaiting approval and says why in its `detail`, which the inbox shows to the agent.

An action by hand becomes new rows whose ids derive from the command's event id, inserted
pending and approved: a redelivered command inserts nothing and the platform is called once.
An agent's own reply passes the tone guard unless the agent confirmed its warnings (the
override travels in the command and is kept in the row's detail).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.responder.adapters import outbox
from services.responder.adapters.outbox import Outcome
from services.responder.domain.manual import manual_requests
from services.responder.domain.model import ActionRequest
from services.responder.driver import ActionDriver
from services.responder.events import Settled, ended, observe
from shared.accounts import AccountDirectory
from shared.clock import Clock, utcnow
from shared.contracts import AgentCommand
from shared.contracts.commands import MANUAL_ACTIONS, RESPONDER_COMMANDS
from shared.db.models import ActionRow
from shared.streams.consumer import Delivery
from shared.tone import edit_refusal

log = logging.getLogger(__name__)


TONE_REFUSED = "refused by the tone guard (R13), not confirmed:"


def unhide_id(hide_action_id: str) -> str:
    """Derived from the hide, so undoing it twice is one platform call."""
    return f"{hide_action_id}:unhide"


class CommandHandler:
    """Batch handler for `AgentCommand`; one transaction, one settle, one publish per batch."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        driver: ActionDriver,
        accounts: AccountDirectory,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._driver = driver
        self._accounts = accounts
        self._clock = clock

    async def __call__(self, batch: Sequence[Delivery[AgentCommand]]) -> None:
        commands = [d.event for d in batch if d.event.kind in RESPONDER_COMMANDS]
        if not commands:
            return
        about = [c for c in commands if c.kind not in MANUAL_ACTIONS]
        manual = [c for c in commands if c.kind in MANUAL_ACTIONS]
        now = self._clock()
        settled: list[Settled] = []
        drive: list[str] = []
        async with self._sessions() as session:
            rows = await outbox.lock_many(session, [c.action_id or "" for c in about])
            for command in about:
                row = rows.get(command.action_id or "")
                if row is None or row.thread_id != command.thread_id:
                    log.warning(
                        "%s by %s names action %r, which is not in thread %s; ignored",
                        command.kind,
                        command.agent,
                        command.action_id,
                        command.thread_id,
                        extra={"correlation_id": command.correlation_id},
                    )
                    continue
                if command.kind == "undo_hide":
                    drive += await self._undo_hide(session, row, command, now)
                else:
                    self._draft(row, command, now, settled, drive)
            queued, refused = await self._by_hand(session, manual, now)
            drive += queued
            await outbox.record(session, [o for _r, o in settled])
            await session.commit()
        settled += await self._driver.settle(drive) if drive else []
        named = [c.action_id for c in about if c.action_id]
        by_hand = [r.action_id for c in manual for r in manual_requests(c)]
        touched = named + [unhide_id(a) for a in named] + by_hand
        redelivered = {d.event.action_id for d in batch if d.attempt > 1 and d.event.action_id}
        again = redelivered | {unhide_id(a) for a in redelivered}
        again |= {
            r.action_id
            for d in batch
            if d.attempt > 1 and d.event.kind in MANUAL_ACTIONS
            for r in manual_requests(d.event)
        }
        await self._driver.announce(touched, ended(settled) | again | refused)
        observe(settled)

    async def _by_hand(
        self, session: AsyncSession, commands: Sequence[AgentCommand], now: datetime
    ) -> tuple[list[str], set[str]]:
        """New rows for actions by hand: (ids to drive, ids the tone guard stopped, skipped)."""
        requests: list[ActionRequest] = []
        for command in commands:
            made = manual_requests(command)
            action = made[-1]
            if action.text is not None:
                made[-1] = replace(action, detail=self._tone_detail(command, action))
            requests += made
        await outbox.insert_pending(session, requests, now)
        await outbox.mark_approved(session, [r.action_id for r in requests], now)
        skipped = [r for r in requests if r.detail.startswith(TONE_REFUSED)]
        outcomes = [Outcome(r.action_id, "skipped", r.detail, 0, None, now) for r in skipped]
        await outbox.record(session, outcomes)
        for command in commands:
            log.info(
                "%s by %s queued",
                command.kind,
                command.agent,
                extra={"correlation_id": command.correlation_id},
            )
        refused = {r.action_id for r in skipped}
        return [r.action_id for r in requests if r.action_id not in refused], refused

    def _tone_detail(self, command: AgentCommand, action: ActionRequest) -> str:
        by = f"written by {command.agent}"
        if command.tone_override is not None:
            return f"{by}; sent despite tone warnings, confirmed: {command.tone_override}"
        account = self._accounts.get(action.platform, action.account_id)
        refusal = edit_refusal(action.kind, action.text or "", humour_allowed=account.humour)
        if refusal is not None:
            return f"{TONE_REFUSED} {by}: {refusal}"
        return by

    def _draft(
        self,
        row: ActionRow,
        command: AgentCommand,
        now: datetime,
        settled: list[Settled],
        drive: list[str],
    ) -> None:
        """Approve (with the tone-checked edit) or discard; anything but a waiting draft is done."""
        extra = {"correlation_id": command.correlation_id}
        if row.status != "awaiting_approval":
            log.info("%s of %s: already %s", command.kind, row.action_id, row.status, extra=extra)
            return
        if command.kind == "discard_draft":
            detail = f"discarded by {command.agent}"
            settled.append(
                (row, Outcome(row.action_id, "skipped", detail, row.attempts, None, now))
            )
            return
        if command.text is not None:
            account = self._accounts.get(row.platform, row.account_id)  # type: ignore[arg-type]
            refusal = edit_refusal(row.kind, command.text, humour_allowed=account.humour)
            if refusal is not None:
                row.detail = f"edit by {command.agent} refused, still awaiting approval: {refusal}"
                log.info("%s: %s", row.action_id, row.detail, extra=extra)
                return
            row.text = " ".join(command.text.split())
        row.approved_at, row.status, row.retry_at = now, "pending", None
        row.detail = f"approved by {command.agent}"
        drive.append(row.action_id)

    async def _undo_hide(
        self, session: AsyncSession, row: ActionRow, command: AgentCommand, now: datetime
    ) -> list[str]:
        """A new `unhide` row keyed by the hide it undoes; only a performed hide qualifies."""
        if row.kind != "hide" or row.status != "done":
            log.warning(
                "undo_hide by %s: action %s is a %s %s, not a performed hide; ignored",
                command.agent,
                row.action_id,
                row.status,
                row.kind,
                extra={"correlation_id": command.correlation_id},
            )
            return []
        request = replace(
            outbox.to_request(row),
            action_id=unhide_id(row.action_id),
            kind="unhide",
            detail="",
            evidence=None,
        )
        await outbox.insert_pending(session, [request], now)
        await outbox.mark_approved(session, [request.action_id], now)
        return [request.action_id]
