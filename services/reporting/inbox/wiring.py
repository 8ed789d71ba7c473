"""Builds the inbox from reporting's runtime: called by reporting's composition root."""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters.queries import HistoryQueries
from services.reporting.inbox.live import Broadcaster
from services.reporting.inbox.queries import InboxQueries
from services.reporting.inbox.routes import install_inbox
from services.reporting.inbox.session import SessionSigner
from services.reporting.inbox.web import Inbox, make_templates
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def build_inbox(runtime: ServiceRuntime, sessions: async_sessionmaker[AsyncSession]) -> Inbox:
    settings = runtime.settings
    secret = settings.inbox_session_secret
    if secret is None:
        log.warning("INBOX_SESSION_SECRET is unset: inbox logins last only as long as this process")
    hub = Broadcaster()
    n = runtime.names
    streams = {
        "comments": n.comments,
        "decisions": n.decisions,
        "actions": n.actions,
        "timers": n.timers,
        "alerts": n.alerts,
        "commands": n.commands,
    }
    runtime.spawn(lambda stop: hub.run(runtime.redis, streams, stop))
    return Inbox(
        queries=InboxQueries(sessions),
        history=HistoryQueries(sessions),
        publisher=runtime.publisher,
        names=n,
        signer=SessionSigner(
            secret.get_secret_value() if secret is not None else secrets.token_urlsafe(32)
        ),
        keys=settings.reporting_api_keys,
        hub=hub,
        templates=make_templates(),
    )


def add_inbox(
    app: FastAPI, runtime: ServiceRuntime, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The inbox pages under /inbox, live updates included."""
    install_inbox(app, build_inbox(runtime, sessions))
