"""Resolve, reopen, take over or release an exchange: triage owns the state, so this publishes
the agent's command (after its audit row) and triage acts on it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters import workspace as store
from services.reporting.adapters.people import audit
from services.reporting.domain.workspace import NotFound, require
from shared.clock import Clock, utcnow
from shared.contracts import AgentCommand
from shared.contracts.commands import TRIAGE_COMMANDS
from shared.people import Principal
from shared.streams.names import StreamNames
from shared.streams.publisher import Publisher


class ExchangeCommands:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publisher: Publisher,
        names: StreamNames,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._names = names
        self._clock = clock

    async def send(self, who: Principal, thread_id: str, kind: str) -> AgentCommand:
        if kind not in TRIAGE_COMMANDS:
            raise ValueError(f"{kind} is not an exchange command")
        require(who, "work")
        now = self._clock()
        async with self._sessions.begin() as session:
            comments = await store.thread_comments(session, thread_id)
            if not comments:
                raise NotFound(f"unknown exchange {thread_id!r}")
            command = AgentCommand(
                occurred_at=now,
                correlation_id=thread_id,
                account_id=comments[0].account_id,
                kind=kind,
                thread_id=thread_id,
                agent=who.name,
            )
            after = {"command_id": command.event_id}
            await audit(session, who, kind, now, thread_id=thread_id, after=after)
        await self._publisher.publish([(self._names.commands, command)])
        return command

    async def resolve(self, who: Principal, thread_id: str) -> AgentCommand:
        return await self.send(who, thread_id, "resolve")
