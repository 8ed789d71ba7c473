"""Who works an exchange, and the team's internal notes on it (never sent to the platform)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters import workspace as store
from services.reporting.adapters.people import People, audit
from services.reporting.domain.workspace import Invalid, NotFound, require
from shared.clock import Clock, utcnow
from shared.people import Principal


@dataclass(frozen=True)
class Note:
    id: int
    thread_id: str
    author: str
    text: str
    at: datetime


class Assignments:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], people: People, clock: Clock = utcnow
    ) -> None:
        self._sessions = sessions
        self._people = people
        self._clock = clock

    async def assign(self, who: Principal, thread_id: str, agent: str | None) -> str | None:
        """Any agent may take an exchange or hand it on; `None` puts it back to unassigned."""
        require(who, "work")
        if agent is not None:
            account = await self._people.get(agent.strip())
            if account is None or not account.active:
                raise Invalid(f"agent: no active agent named {agent!r}", "agent")
            agent = account.name
        now = self._clock()
        async with self._sessions.begin() as session:
            if not await store.thread_comments(session, thread_id):
                raise NotFound(f"unknown exchange {thread_id!r}")
            current = await store.assignment(session, thread_id)
            before = current.agent if current is not None else None
            if before != agent:
                await store.assign(session, thread_id, agent, who.name, now)
                await audit(
                    session,
                    who,
                    "assign",
                    now,
                    thread_id=thread_id,
                    target=agent,
                    before={"agent": before},
                    after={"agent": agent},
                )
        return agent

    async def note(self, who: Principal, thread_id: str, text: str) -> Note:
        require(who, "work")
        words = text.strip()
        if not words:
            raise Invalid("text: a note needs words", "text")
        now = self._clock()
        async with self._sessions.begin() as session:
            if not await store.thread_comments(session, thread_id):
                raise NotFound(f"unknown exchange {thread_id!r}")
            note_id = await store.add_note(session, thread_id, who.name, words, now)
            await audit(session, who, "note", now, thread_id=thread_id, after={"note_id": note_id})
        return Note(note_id, thread_id, who.name, words, now)

    async def notes(self, thread_id: str) -> list[Note]:
        async with self._sessions() as session:
            rows = await store.notes(session, thread_id)
        return [Note(r.id, r.thread_id, r.author, r.text, r.at) for r in rows]
