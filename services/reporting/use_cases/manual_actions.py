"""An agent's reply, private message or moderation by hand: checked here, done by the responder.

Reporting checks what it can answer at once — the right, the exchange, the comment, the tone of
the agent's words, a colleague's reply seconds ago — and refuses before anything is published.
What passes is written to the audit log and published as one `AgentCommand`; the responder
performs it through its outbox, exactly once, and the timeline shows the outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters import workspace as store
from services.reporting.adapters.people import audit
from services.reporting.domain.workspace import (
    RECENT_REPLY,
    Invalid,
    NeedsConfirmation,
    NotFound,
    Refused,
    collision_warning,
    require,
)
from shared.accounts import AccountDirectory, UnknownAccount
from shared.clock import Clock, utcnow
from shared.contracts import AgentCommand
from shared.contracts.commands import CommentTarget
from shared.db.models import CommentRow
from shared.people import Principal, Right, refusal
from shared.streams.names import StreamNames
from shared.streams.publisher import Publisher
from shared.tone import check_tone

log = logging.getLogger(__name__)

ModerationKind = str
MODERATION_RIGHTS: dict[str, Right] = {
    "hide": "work",
    "unhide": "work",
    "report_to_platform": "work",
    "delete": "delete",
    "block_author": "block_author",
    "unblock_author": "unblock_author",
}


@dataclass(frozen=True)
class Queued:
    action_id: str
    command_id: str
    warnings: tuple[str, ...] = ()


def target_of(row: CommentRow) -> CommentTarget:
    return CommentTarget(
        platform=row.platform,
        account_id=row.account_id,
        comment_id=row.comment_id,
        post_id=row.post_id,
        author_id=row.author_id,
        author_name=row.author_name,
        text=row.text,
        created_at=row.created_at,
    )


def not_abuse(row: CommentRow, who: Principal, at: datetime, source: str) -> dict[str, Any]:
    """Undoing a hide says the comment was not abuse: the classifier learns from it."""
    return {
        "platform": row.platform,
        "comment_id": row.comment_id,
        "account_id": row.account_id,
        "thread_id": row.thread_id,
        "labels": ["not:abuse"],
        "note": "hide undone",
        "source": source,
        "corrected_by": who.name,
        "at": at,
    }


class ManualActions:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publisher: Publisher,
        names: StreamNames,
        accounts: AccountDirectory,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._names = names
        self._accounts = accounts
        self._clock = clock

    async def _comment(
        self, session: AsyncSession, thread_id: str, comment_id: str | None
    ) -> CommentRow:
        comments = await store.thread_comments(session, thread_id)
        if not comments:
            raise NotFound(f"unknown exchange {thread_id!r}")
        if comment_id is None:
            return comments[-1]
        for row in comments:
            if row.comment_id == comment_id:
                return row
        raise NotFound(
            f"comment {comment_id!r} is not part of exchange {thread_id!r}", "comment_id"
        )

    def _humour(self, row: CommentRow) -> bool:
        try:
            return self._accounts.get(row.platform, row.account_id).humour  # type: ignore[arg-type]
        except UnknownAccount:
            return False

    async def reply(
        self,
        who: Principal,
        thread_id: str,
        text: str,
        *,
        private: bool = False,
        comment_id: str | None = None,
        confirm: bool = False,
    ) -> Queued:
        """409 with the tone guard's reasons (or a colleague's recent reply) unless confirmed."""
        require(who, "work")
        words = " ".join(text.split())
        if not words:
            raise Invalid("text: a reply needs words", "text")
        kind = "private_reply" if private else "reply"
        now = self._clock()
        async with self._sessions.begin() as session:
            row = await self._comment(session, thread_id, comment_id)
            warnings = list(check_tone(words, humour_allowed=self._humour(row)).reasons)
            recent = await store.recent_replies(session, thread_id, now - RECENT_REPLY)
            collision = collision_warning(who.name, recent, now)
            if collision is not None:
                warnings.append(collision)
            if warnings and not confirm:
                raise NeedsConfirmation(
                    "check the warnings; rewrite the reply, or send it with confirm=true", warnings
                )
            command = AgentCommand(
                occurred_at=now,
                correlation_id=thread_id,
                account_id=row.account_id,
                kind=kind,
                thread_id=thread_id,
                agent=who.name,
                text=words,
                target=target_of(row),
                tone_override="; ".join(warnings) if warnings else None,
            )
            after: dict[str, Any] = {"action_id": command.manual_action_id, "private": private}
            if warnings:
                after["confirmed_warnings"] = warnings
            await audit(
                session, who, kind, now, thread_id=thread_id, target=row.comment_id, after=after
            )
        await self._publish(command)
        return Queued(command.manual_action_id, command.event_id, tuple(warnings))

    async def moderate(
        self, who: Principal, thread_id: str, action: str, comment_id: str | None
    ) -> Queued:
        right = MODERATION_RIGHTS.get(action)
        if right is None:
            raise Invalid(
                f"action: {action!r} is not one of {', '.join(MODERATION_RIGHTS)}", "action"
            )
        require(who, right)
        now = self._clock()
        async with self._sessions.begin() as session:
            row = await self._comment(session, thread_id, comment_id)
            if action == "unhide":
                await self._may_undo(session, who, thread_id, row.comment_id)
                await store.add_correction(session, not_abuse(row, who, now, "unhide"))
            command = AgentCommand(
                occurred_at=now,
                correlation_id=thread_id,
                account_id=row.account_id,
                kind=action,
                thread_id=thread_id,
                agent=who.name,
                target=target_of(row),
            )
            after = {"action_id": command.manual_action_id, "author_id": row.author_id}
            await audit(
                session, who, action, now, thread_id=thread_id, target=row.comment_id, after=after
            )
        await self._publish(command)
        return Queued(command.manual_action_id, command.event_id)

    async def may_undo_hide(self, who: Principal, thread_id: str, comment_id: str) -> None:
        """Refused when `who` would undo another person's hide without the right (the inbox's
        "undo hide" on a drafted hide asks this before it sends its command)."""
        async with self._sessions() as session:
            await self._may_undo(session, who, thread_id, comment_id)

    async def _may_undo(
        self, session: AsyncSession, who: Principal, thread_id: str, comment_id: str
    ) -> None:
        """Undoing another person's hide is a supervisor's call; the machine's hides are not."""
        hider = await store.last_actor(session, thread_id, "hide", comment_id)
        if hider is not None and hider != who.name:
            reason = refusal(who, "undo_others")
            if reason is not None:
                raise Refused(f"{hider} hid this comment: {reason}")

    async def _publish(self, command: AgentCommand) -> None:
        await self._publisher.publish([(self._names.commands, command)])
        log.info(
            "%s by %s published",
            command.kind,
            command.agent,
            extra={"correlation_id": command.correlation_id},
        )
