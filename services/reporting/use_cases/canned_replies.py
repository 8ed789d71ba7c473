"""Saved replies per account and language: admins keep them, every agent inserts them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters.people import audit
from services.reporting.domain.canned import check_body, reference, render
from services.reporting.domain.workspace import Invalid, NotFound, require
from shared.clock import Clock, utcnow
from shared.db.models import ReportingCannedReplyRow
from shared.people import Principal

ALL_ACCOUNTS = "*"


@dataclass(frozen=True)
class CannedReply:
    id: int
    account_id: str
    lang: str
    title: str
    body: str
    updated_by: str
    updated_at: datetime


def _reply(r: ReportingCannedReplyRow) -> CannedReply:
    return CannedReply(r.id, r.account_id, r.lang, r.title, r.body, r.updated_by, r.updated_at)


def _check(account_id: str, lang: str, title: str, body: str) -> tuple[str, str, str, str]:
    if not account_id.strip():
        raise Invalid("account_id: name the account, or '*' for every account", "account_id")
    if lang not in ("de", "en"):
        raise Invalid("lang: 'de' or 'en'", "lang")
    if not title.strip():
        raise Invalid("title: a canned reply needs a title", "title")
    return account_id.strip(), lang, title.strip(), check_body(body)


class CannedReplies:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    async def find(
        self, account_id: str | None = None, lang: str | None = None
    ) -> list[CannedReply]:
        stmt = select(ReportingCannedReplyRow).order_by(
            ReportingCannedReplyRow.lang, ReportingCannedReplyRow.title
        )
        if account_id is not None:
            stmt = stmt.where(
                or_(
                    ReportingCannedReplyRow.account_id == account_id,
                    ReportingCannedReplyRow.account_id == ALL_ACCOUNTS,
                )
            )
        if lang is not None:
            stmt = stmt.where(ReportingCannedReplyRow.lang == lang)
        async with self._sessions() as session:
            return [_reply(r) for r in (await session.scalars(stmt)).all()]

    async def save(
        self,
        who: Principal,
        account_id: str,
        lang: str,
        title: str,
        body: str,
        reply_id: int | None = None,
    ) -> CannedReply:
        require(who, "manage_canned_replies")
        account_id, lang, title, body = _check(account_id, lang, title, body)
        now = self._clock()
        async with self._sessions.begin() as session:
            if reply_id is None:
                row = ReportingCannedReplyRow(
                    account_id=account_id,
                    lang=lang,
                    title=title,
                    body=body,
                    updated_by=who.name,
                    updated_at=now,
                )
                session.add(row)
                before = None
            else:
                found = await session.get(ReportingCannedReplyRow, reply_id, with_for_update=True)
                if found is None:
                    raise NotFound(f"no canned reply {reply_id}")
                row = found
                before = {"title": row.title, "body": row.body, "lang": row.lang}
                row.account_id, row.lang, row.title, row.body = account_id, lang, title, body
                row.updated_by, row.updated_at = who.name, now
            await session.flush()
            after = {"title": title, "body": body, "lang": lang, "account_id": account_id}
            await audit(
                session,
                who,
                "canned_reply.save",
                now,
                target=str(row.id),
                before=before,
                after=after,
            )
            return _reply(row)

    async def remove(self, who: Principal, reply_id: int) -> None:
        require(who, "manage_canned_replies")
        now = self._clock()
        async with self._sessions.begin() as session:
            found = await session.get(ReportingCannedReplyRow, reply_id)
            if found is None:
                raise NotFound(f"no canned reply {reply_id}")
            before = {"title": found.title, "body": found.body, "lang": found.lang}
            await session.execute(
                delete(ReportingCannedReplyRow).where(ReportingCannedReplyRow.id == reply_id)
            )
            await audit(
                session, who, "canned_reply.remove", now, target=str(reply_id), before=before
            )

    async def for_exchange(
        self, account_id: str, thread_id: str, author_name: str, brand: str
    ) -> list[tuple[CannedReply, str]]:
        """Every reply usable on this exchange, rendered for it (both languages)."""
        values = {"author_name": author_name, "brand": brand, "reference": reference(thread_id)}
        return [(c, render(c.body, values)) for c in await self.find(account_id)]
