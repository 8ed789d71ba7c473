"""The responder's part of a privacy request: the outbox rows about the author's comments (the
replies written to them, evidence outside a legal hold; `shared.privacy.PLANS["responder"]`) and
the entries of the streams the responder publishes."""

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
        (names.actions, names.action_states),
    )
