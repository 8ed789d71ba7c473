"""Composition root of reporting: settings in, a ready ASGI app out; nothing built at import."""

from __future__ import annotations

from fastapi import FastAPI

from services.reporting.adapters.queries import HistoryQueries
from services.reporting.app import install_routes
from services.reporting.handlers import (
    CommentHistoryHandler,
    DecisionMetricsHandler,
    count_actions,
)
from shared.contracts import ActionCompleted, CommentReceived, DecisionMade
from shared.db.session import make_engine, make_sessionmaker
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime, serve
from shared.settings import Settings
from shared.streams.names import Group

SERVICE = "reporting"


def create_app(settings: Settings) -> FastAPI:
    """Wires consumers for every stream reporting reads, and the authenticated read API."""
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    runtime = ServiceRuntime(SERVICE, settings, engine)
    names = runtime.names
    runtime.consume(
        names.comments,
        "comments",
        Group.REPORTING,
        CommentReceived,
        CommentHistoryHandler(sessions),
    )
    runtime.consume(
        names.decisions, "decisions", Group.REPORTING, DecisionMade, DecisionMetricsHandler()
    )
    runtime.consume(names.actions, "actions", Group.REPORTING, ActionCompleted, count_actions)
    app = runtime.build_app("Steam-Connect reporting")
    install_routes(app, HistoryQueries(sessions), settings.reporting_api_keys)
    return app


def main() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    serve(create_app(settings), settings, settings.reporting_port)
