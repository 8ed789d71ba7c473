"""Composition root of ingest: everything is built here from settings, nothing at import."""

from __future__ import annotations

import logging

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from services.ingest.adapters.redis_intake import RedisIntake
from services.ingest.adapters.youtube_api import YouTubeApi
from services.ingest.adapters.youtube_cursor import RedisCursorStore
from services.ingest.connectors.youtube import DailyBudget
from services.ingest.use_cases import privacy
from services.ingest.use_cases.http_comments import COMMENTS_PATH, install_routes
from services.ingest.use_cases.http_webhooks import (
    WEBHOOKS_PREFIX,
    WebhookSecrets,
    install_webhooks,
)
from services.ingest.use_cases.ingest_comments import IngestComments
from services.ingest.use_cases.youtube_poll import YouTubePoller
from shared.accounts import AccountDirectory
from shared.http_body_limit import BodyLimit
from shared.logging import configure_logging
from shared.rate_limit import rate_policy
from shared.runtime import ServiceRuntime, serve
from shared.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """The ingest app; Redis is contacted per request only, so it starts while Redis is down."""
    accounts = AccountDirectory.load(
        settings.accounts_file, accept_unknown=settings.accept_unknown_accounts
    )
    runtime = ServiceRuntime("ingest", settings)
    store = RedisIntake(
        runtime.redis,
        runtime.names,
        maxlen=settings.stream_maxlen,
        dedupe_ttl_s=settings.dedupe_ttl_s,
        thread_ttl_s=settings.thread_ttl_s,
        wait_replicas=settings.redis_wait_replicas,
        wait_timeout_ms=settings.redis_wait_timeout_ms,
    )
    keys = [key.get_secret_value() for key in settings.ingest_api_keys]
    if not keys:
        log.warning("INGEST_API_KEYS is empty: every POST /v1/comments will be refused with 401")
    app = runtime.build_app(
        "Steam-Connect ingest",
        body_limits=(
            BodyLimit(COMMENTS_PATH, settings.ingest_max_body_bytes),
            BodyLimit(WEBHOOKS_PREFIX, settings.webhook_max_body_bytes),
        ),
        rates=rate_policy(settings.ingest_rate_limit, "INGEST_RATE_LIMIT", [COMMENTS_PATH]),
    )
    interval = settings.privacy_purge_interval_s
    runtime.spawn(
        lambda stop: privacy.purge_loop(runtime.redis, runtime.names, accounts, interval, stop)
    )
    handler = IngestComments(accounts, store)
    install_routes(app, handler=handler, api_keys=keys, max_batch=settings.ingest_max_batch)
    install_webhooks(app, handler=handler, secrets=_webhook_secrets(settings))
    _start_youtube_poller(runtime, settings, accounts, handler)
    return app


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def _webhook_secrets(settings: Settings) -> WebhookSecrets:
    return WebhookSecrets(
        facebook_app_secret=_secret(settings.facebook_app_secret),
        instagram_app_secret=_secret(settings.instagram_app_secret),
        verify_token=_secret(settings.facebook_verify_token),
        x_consumer_secret=_secret(settings.x_consumer_secret),
    )


def _start_youtube_poller(
    runtime: ServiceRuntime,
    settings: Settings,
    accounts: AccountDirectory,
    handler: IngestComments,
) -> None:
    """YouTube has no comment webhooks: poll, but only with channels and credentials to poll."""
    channels = [a.account_id for a in accounts if a.platform == "youtube"]
    api_key, token = _secret(settings.youtube_api_key), _secret(settings.youtube_oauth_token)
    if not channels or not (api_key or token):
        log.info(
            "YouTube poller off: %d channels configured, credentials %s",
            len(channels),
            "set" if api_key or token else "missing",
        )
        return
    client = httpx.AsyncClient(timeout=30.0)
    poller = YouTubePoller(
        YouTubeApi(client, settings.youtube_api_url, api_key=api_key, oauth_token=token),
        RedisCursorStore(runtime.redis, runtime.names),
        handler,
        channels,
        max_pages=settings.youtube_max_pages,
        budget=DailyBudget(settings.youtube_daily_quota),
        backoff_s=settings.youtube_quota_backoff_s,
        interval_s=settings.youtube_poll_interval_s,
    )
    runtime.spawn(poller.run)
    runtime.on_shutdown(client.aclose)


def main() -> None:
    settings = Settings()
    configure_logging("ingest", settings.log_level, settings.log_json)
    serve(create_app(settings), settings, settings.ingest_port)
