"""Composition root: builds the responder from settings; nothing is created at import time."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.responder.adapters.base import AdapterRegistry, PlatformAdapter
from services.responder.adapters.console import ConsoleAdapter
from services.responder.adapters.facebook import FacebookAdapter
from services.responder.adapters.http import HttpAdapter, Judge, PlatformClient
from services.responder.adapters.instagram import InstagramAdapter
from services.responder.adapters.tokens import TokenBook
from services.responder.adapters.x import XAdapter
from services.responder.adapters.youtube import YouTubeAdapter
from services.responder.domain.resilience import CircuitBreaker
from services.responder.domain.templates import TemplateBook
from services.responder.domain.verdicts import google_verdict, meta_verdict, x_verdict
from services.responder.driver import ActionDriver, RetryPolicy
from services.responder.use_cases.commands import CommandHandler
from services.responder.use_cases.decisions import DecisionHandler
from services.responder.use_cases.due_actions import run_retry_loop
from services.responder.use_cases.http_drafts import DRAFTS_PREFIX, drafts_router
from services.responder.use_cases.privacy import privacy_handler
from shared.accounts import AccountDirectory
from shared.clock import Clock, utcnow
from shared.contracts import AgentCommand, DecisionMade
from shared.contracts.privacy import PrivacyRequested
from shared.db.session import make_engine, make_sessionmaker
from shared.logging import configure_logging
from shared.rate_limit import rate_policy
from shared.runtime import ServiceRuntime, serve
from shared.settings import Settings
from shared.streams.names import Group

SERVICE = "responder"


def build_adapters(
    settings: Settings,
    accounts: AccountDirectory,
    http: httpx.AsyncClient,
    clock: Clock = utcnow,
) -> AdapterRegistry:
    """Adapters by the name accounts refer to (`Account.adapter`)."""
    tokens = TokenBook(
        accounts, settings.platform_tokens, {"youtube": settings.youtube_oauth_token}
    )
    quota_wait = settings.youtube_quota_backoff_s
    judges: dict[str, Judge] = {
        "facebook": lambda s, b, h, _now: meta_verdict(s, b, h),
        "instagram": lambda s, b, h, _now: meta_verdict(s, b, h),
        "x": x_verdict,
        "youtube": lambda s, b, h, _now: google_verdict(s, b, h, quota_wait),
    }
    kinds: dict[str, tuple[type[HttpAdapter], str]] = {
        "facebook": (FacebookAdapter, settings.facebook_graph_url),
        "instagram": (InstagramAdapter, settings.instagram_graph_url),
        "x": (XAdapter, settings.x_api_url),
        "youtube": (YouTubeAdapter, settings.youtube_api_url),
    }
    adapters: dict[str, PlatformAdapter] = {"console": ConsoleAdapter(settings.console_record_path)}
    for name, (cls, url) in kinds.items():
        client = PlatformClient(
            platform=cls.platform,
            base_url=url,
            http=http,
            tokens=tokens,
            judge=judges[name],
            breaker=CircuitBreaker(settings.breaker_failures, settings.breaker_reset_s),
            clock=clock,
        )
        adapters[name] = cls(client, concurrency=settings.platform_concurrency)
    return AdapterRegistry(adapters)


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.action_max_attempts,
        base_s=settings.action_retry_base_s,
        cap_s=settings.action_retry_cap_s,
        lease_s=settings.action_lease_s,
    )


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings.database_url)
    runtime = ServiceRuntime(SERVICE, settings, engine)
    sessions = make_sessionmaker(engine)
    accounts = AccountDirectory.load(
        settings.accounts_file, accept_unknown=settings.accept_unknown_accounts
    )
    http = httpx.AsyncClient(timeout=settings.platform_timeout_s)
    runtime.on_shutdown(http.aclose)
    driver = ActionDriver(
        sessions=sessions,
        publisher=runtime.publisher,
        names=runtime.names,
        accounts=accounts,
        adapters=build_adapters(settings, accounts, http),
        policy=retry_policy(settings),
    )
    handler = DecisionHandler(
        sessions=sessions,
        driver=driver,
        accounts=accounts,
        templates=TemplateBook.from_directory(),
        brand=settings.brand_name,
    )
    runtime.consume(
        runtime.names.decisions,
        "decisions",
        Group.RESPONDER,
        DecisionMade,
        handler.handle,
        batch_size=settings.responder_batch_size,
    )
    commands = CommandHandler(sessions=sessions, driver=driver, accounts=accounts)
    runtime.consume(runtime.names.commands, "commands", Group.RESPONDER, AgentCommand, commands)
    privacy = privacy_handler(runtime, sessions, accounts)
    runtime.consume(runtime.names.privacy, "privacy", Group.RESPONDER, PrivacyRequested, privacy)
    runtime.spawn(privacy.run_purges)
    runtime.spawn(lambda stop: run_retry_loop(driver, stop, settings.action_retry_interval_s))
    rates = rate_policy(settings.api_rate_limit, "API_RATE_LIMIT", [DRAFTS_PREFIX])
    app = runtime.build_app("Steam-Connect responder", rates=rates)
    app.include_router(
        drafts_router(
            sessions=sessions,
            driver=driver,
            accounts=accounts,
            keys=settings.responder_api_keys,
            clock=utcnow,
        )
    )
    return app


def main() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    serve(create_app(settings), settings, settings.responder_port)
