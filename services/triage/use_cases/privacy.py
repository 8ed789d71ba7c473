"""Triage's part of a privacy request: the decisions (each carries its comment), the exchanges'
customer ids and the author's strikes (`shared.privacy.PLANS["triage"]`), and the entries of the
streams triage publishes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.accounts import AccountDirectory
from shared.privacy_handler import PrivacyHandler
from shared.runtime import ServiceRuntime

SERVICE = "triage"


def privacy_handler(
    runtime: ServiceRuntime,
    sessions: async_sessionmaker[AsyncSession],
    accounts: AccountDirectory,
) -> PrivacyHandler:
    names = runtime.names
    return PrivacyHandler(
        service=SERVICE,
        redis=runtime.redis,
        names=names,
        publisher=runtime.publisher,
        sessions=sessions,
        accounts=accounts,
        purge_interval_s=runtime.settings.privacy_purge_interval_s,
        own_streams=(names.decisions, names.exchanges, names.timers),
    )
