"""Composition root: builds the responder from settings; nothing is created at import time."""

from __future__ import annotations

from fastapi import FastAPI

from services.responder.adapters.base import AdapterRegistry
from services.responder.adapters.console import ConsoleAdapter
from services.responder.domain.templates import TemplateBook
from services.responder.handlers import DecisionHandler
from shared.accounts import AccountDirectory
from shared.contracts import DecisionMade
from shared.db.session import make_engine, make_sessionmaker
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime, serve
from shared.settings import Settings
from shared.streams.names import Group

SERVICE = "responder"


def build_adapters(settings: Settings) -> AdapterRegistry:
    """Adapters by the name accounts refer to; real platform adapters get registered here."""
    return AdapterRegistry({"console": ConsoleAdapter(settings.console_record_path)})


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings.database_url)
    runtime = ServiceRuntime(SERVICE, settings, engine)
    handler = DecisionHandler(
        sessions=make_sessionmaker(engine),
        publisher=runtime.publisher,
        names=runtime.names,
        accounts=AccountDirectory.load(
            settings.accounts_file, accept_unknown=settings.accept_unknown_accounts
        ),
        templates=TemplateBook.from_directory(),
        adapters=build_adapters(settings),
        brand=settings.brand_name,
    )
    runtime.consume(
        runtime.names.decisions, "decisions", Group.RESPONDER, DecisionMade, handler.handle
    )
    return runtime.build_app("Steam-Connect responder")


def main() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    serve(create_app(settings), settings, settings.responder_port)
