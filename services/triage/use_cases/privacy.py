"""Triage's part of a privacy request: the decisions (each carries its comment), the exchanges'
customer ids and the author's strikes (`shared.privacy.PLANS["triage"]`), and the entries of the
streams triage publishes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.accounts import AccountDirectory
from shared.privacy_handler import PrivacyHandler
from shared.runtime import ServiceRuntime


def privacy_handler(
    runtime: ServiceRuntime,
    sessions: async_sessionmaker[AsyncSession],
    accounts: AccountDirectory,
) -> PrivacyHandler:
    names = runtime.names
    return PrivacyHandler.of(
        runtime,
        sessions,
        accounts,
        (names.decisions, names.exchanges, names.timers),
    )
