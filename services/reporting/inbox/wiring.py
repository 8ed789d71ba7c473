"""Builds the inbox from reporting's runtime: called by reporting's composition root."""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.access import Access
from services.reporting.adapters.login_throttle import LoginThrottle, ThrottleLimits
from services.reporting.adapters.presence import Presence
from services.reporting.adapters.queries import HistoryQueries
from services.reporting.inbox.live import Broadcaster
from services.reporting.inbox.queries import InboxQueries
from services.reporting.inbox.routes import install_inbox
from services.reporting.inbox.session import SessionSigner
from services.reporting.inbox.web import Inbox, make_templates
from services.reporting.use_cases.http_workspace import Workspace
from shared.accounts import AccountDirectory
from shared.runtime import ServiceRuntime
from shared.settings import Settings

log = logging.getLogger(__name__)


def build_signer(settings: Settings) -> SessionSigner:
    secret = settings.inbox_session_secret
    if secret is None:
        log.warning("INBOX_SESSION_SECRET is unset: inbox logins last only as long as this process")
        return SessionSigner(secrets.token_urlsafe(32))
    return SessionSigner(secret.get_secret_value())


def build_inbox(
    runtime: ServiceRuntime,
    sessions: async_sessionmaker[AsyncSession],
    access: Access,
    workspace: Workspace,
    accounts: AccountDirectory,
) -> Inbox:
    settings = runtime.settings
    hub = Broadcaster()
    n = runtime.names
    logical = {
        "comments": n.comments,
        "decisions": n.decisions,
        "actions": n.actions,
        "timers": n.timers,
        "alerts": n.alerts,
        "commands": n.commands,
    }
    streams = {key: name for name, stream in logical.items() for key in n.partitions(stream)}
    runtime.spawn(lambda stop: hub.run(runtime.redis, streams, stop))
    return Inbox(
        queries=InboxQueries(sessions),
        history=HistoryQueries(sessions),
        publisher=runtime.publisher,
        names=n,
        signer=access.signer,
        access=access,
        people=access.people,
        throttle=LoginThrottle(
            runtime.redis,
            n,
            ThrottleLimits(
                settings.login_max_failures_per_account,
                settings.login_max_failures_per_address,
                settings.login_throttle_window_s,
            ),
        ),
        workspace=workspace,
        presence=Presence(runtime.redis, n),
        sessions=sessions,
        accounts=accounts,
        hub=hub,
        templates=make_templates(),
    )


def add_inbox(
    app: FastAPI,
    runtime: ServiceRuntime,
    sessions: async_sessionmaker[AsyncSession],
    access: Access,
    workspace: Workspace,
    accounts: AccountDirectory,
) -> Inbox:
    """The inbox pages under /inbox, live updates included."""
    inbox = build_inbox(runtime, sessions, access, workspace, accounts)
    install_inbox(app, inbox)
    return inbox
