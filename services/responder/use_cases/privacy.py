"""The responder's part of a privacy request: the outbox rows about the author's comments (the
replies written to them, evidence outside a legal hold; `shared.privacy.PLANS["responder"]`) and
the entries of the streams the responder publishes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.accounts import AccountDirectory
from shared.privacy_handler import PrivacyHandler
from shared.runtime import ServiceRuntime

SERVICE = "responder"


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
        own_streams=(names.actions, names.action_states),
    )
