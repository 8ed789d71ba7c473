"""Agents' accounts and the audit log in reporting's tables.

Passwords are hashed with argon2id (argon2-cffi's defaults); a hash is checked off the event
loop, and an unknown name is checked against a dummy hash so the answer takes as long either
way. No password, hash or secret is ever logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock, utcnow
from shared.db.models import ReportingAgentRow, ReportingAuditRow
from shared.people import ROLES, Principal, Role

MIN_PASSWORD = 10
"""NIST SP 800-63B asks for at least 8; a shared support tool deserves a little more."""

_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password of anyone: equalises the time of a refusal")


class AccountError(ValueError):
    """A refused account change, with the reason an admin reads (CLI or inbox)."""


@dataclass(frozen=True)
class AgentAccount:
    name: str
    role: Role
    active: bool
    session_epoch: int
    created_at: datetime
    updated_at: datetime


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if password.strip() != password or not password.strip():
        raise AccountError("a password may not start or end with spaces")


def check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 100 or any(ch in cleaned for ch in "\r\n\t:"):
        raise AccountError(f"agent names are 1-100 characters without ':' or line breaks: {name!r}")
    return cleaned


def _role(role: str) -> Role:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    return role


def _account(row: ReportingAgentRow) -> AgentAccount:
    return AgentAccount(
        row.name, _role(row.role), row.active, row.session_epoch, row.created_at, row.updated_at
    )


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


async def audit(
    session: AsyncSession,
    actor: Principal,
    action: str,
    at: datetime,
    *,
    thread_id: str | None = None,
    target: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """One audit row in the caller's transaction: the action and its trace commit together."""
    await session.execute(
        insert(ReportingAuditRow).values(
            at=at,
            actor=actor.name,
            actor_kind=actor.kind,
            role=actor.role,
            action=action,
            thread_id=thread_id,
            target=target,
            before=before,
            after=after,
        )
    )


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    actor_kind: str
    role: str
    action: str
    thread_id: str | None
    target: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "actor_kind": self.actor_kind,
            "role": self.role,
            "action": self.action,
            "thread_id": self.thread_id,
            "target": self.target,
            "before": self.before,
            "after": self.after,
        }


class People:
    """Accounts and audit over reporting's sessionmaker; the CLI and the inbox share it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    async def add(self, actor: Principal, name: str, role: str, password: str) -> AgentAccount:
        name, role_ = check_name(name), _role(role)
        check_password(password)
        hashed = await asyncio.to_thread(_HASHER.hash, password)
        now = self._clock()
        async with self._sessions.begin() as session:
            if await session.get(ReportingAgentRow, name) is not None:
                raise AccountError(f"an agent named {name!r} exists already")
            row = ReportingAgentRow(
                name=name,
                role=role_,
                password_hash=hashed,
                active=True,
                session_epoch=0,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await audit(session, actor, "agent.add", now, target=name, after={"role": role_})
        return _account(row)

    async def accounts(self) -> list[AgentAccount]:
        async with self._sessions() as session:
            rows = await session.scalars(select(ReportingAgentRow).order_by(ReportingAgentRow.name))
            return [_account(r) for r in rows]

    async def get(self, name: str) -> AgentAccount | None:
        async with self._sessions() as session:
            row = await session.get(ReportingAgentRow, name)
            return _account(row) if row is not None else None

    async def disable(self, actor: Principal, name: str) -> AgentAccount:
        """Ends the agent's sessions too (the epoch moves on)."""
        return await self._change(actor, name, "agent.disable", active=False)

    async def enable(self, actor: Principal, name: str) -> AgentAccount:
        return await self._change(actor, name, "agent.enable", active=True)

    async def set_role(self, actor: Principal, name: str, role: str) -> AgentAccount:
        return await self._change(actor, name, "agent.role", role=_role(role))

    async def reset_password(self, actor: Principal, name: str, password: str) -> AgentAccount:
        check_password(password)
        hashed = await asyncio.to_thread(_HASHER.hash, password)
        return await self._change(actor, name, "agent.reset_password", password_hash=hashed)

    async def _change(
        self, actor: Principal, name: str, action: str, **values: Any
    ) -> AgentAccount:
        now = self._clock()
        async with self._sessions.begin() as session:
            row = await session.get(ReportingAgentRow, name, with_for_update=True)
            if row is None:
                raise AccountError(f"no agent named {name!r}")
            before = {"role": row.role, "active": row.active}
            ends_sessions = "password_hash" in values or values.get("active") is False
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
            if ends_sessions:
                row.session_epoch += 1
            after = {"role": row.role, "active": row.active}
            await audit(session, actor, action, now, target=name, before=before, after=after)
        return _account(row)

    async def authenticate(self, name: str, password: str) -> AgentAccount | None:
        """The active account whose password this is, or None (same time for an unknown name)."""
        async with self._sessions() as session:
            row = await session.get(ReportingAgentRow, name.strip())
            hashed = row.password_hash if row is not None else _DUMMY
        ok = await asyncio.to_thread(_verify, hashed, password)
        if row is None or not ok or not row.active:
            return None
        if _HASHER.check_needs_rehash(hashed):
            await self._rehash(row.name, password)
        return _account(row)

    async def _rehash(self, name: str, password: str) -> None:
        hashed = await asyncio.to_thread(_HASHER.hash, password)
        async with self._sessions.begin() as session:
            await session.execute(
                update(ReportingAgentRow)
                .where(ReportingAgentRow.name == name)
                .values(password_hash=hashed)
            )

    async def audit_log(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        thread_id: str | None = None,
        limit: int = 1_000,
    ) -> list[AuditEntry]:
        query = select(ReportingAuditRow).order_by(ReportingAuditRow.id).limit(limit)
        if since is not None:
            query = query.where(ReportingAuditRow.at >= since)
        if until is not None:
            query = query.where(ReportingAuditRow.at < until)
        if thread_id is not None:
            query = query.where(ReportingAuditRow.thread_id == thread_id)
        async with self._sessions() as session:
            rows: Sequence[ReportingAuditRow] = (await session.scalars(query)).all()
        return [
            AuditEntry(
                r.id,
                r.at,
                r.actor,
                r.actor_kind,
                r.role,
                r.action,
                r.thread_id,
                r.target,
                r.before,
                r.after,
            )
            for r in rows
        ]
