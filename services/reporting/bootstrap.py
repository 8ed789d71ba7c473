"""Composition root of reporting: settings in, a ready ASGI app out; nothing built at import."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.reporting.access import Access
from services.reporting.adapters.people import People
from services.reporting.adapters.queries import HistoryQueries
from services.reporting.adapters.reports import ReportQueries
from services.reporting.app import API_PREFIX, install_routes
from services.reporting.domain.business_time import calendars_from
from services.reporting.domain.notifications import Addressing
from services.reporting.domain.summary import RiskConfig
from services.reporting.inbox.session import COOKIE
from services.reporting.inbox.wiring import add_inbox, build_signer
from services.reporting.metrics import OPEN_BY_RISK
from services.reporting.use_cases.action_states import ActionStatesHandler
from services.reporting.use_cases.actions import ActionHandler
from services.reporting.use_cases.assignments import Assignments
from services.reporting.use_cases.canned_replies import CannedReplies
from services.reporting.use_cases.comments import CommentHistoryHandler
from services.reporting.use_cases.corrections import Corrections
from services.reporting.use_cases.decisions import DecisionHandler
from services.reporting.use_cases.exchange_commands import ExchangeCommands
from services.reporting.use_cases.exchanges import ExchangeStatesHandler
from services.reporting.use_cases.http_notifications import notifications_router
from services.reporting.use_cases.http_privacy import privacy_router
from services.reporting.use_cases.http_reports import reports_router
from services.reporting.use_cases.http_workspace import (
    Workspace,
    install_workspace_errors,
    workspace_router,
)
from services.reporting.use_cases.manual_actions import ManualActions
from services.reporting.use_cases.notifications import NotificationLog, NotificationSender
from services.reporting.use_cases.police_reports import PoliceReports
from services.reporting.use_cases.privacy import privacy_handler
from services.reporting.use_cases.timers import TimerHandler
from services.reporting.use_cases.weekly_delivery import WeeklyDelivery
from services.reporting.use_cases.weekly_report import WeeklyReports
from shared.accounts import AccountDirectory
from shared.clock import utcnow
from shared.contracts import (
    ActionChanged,
    ActionCompleted,
    CommentReceived,
    DecisionMade,
    SlaTimerEvent,
)
from shared.contracts.alerts import RISK_BANDS
from shared.contracts.exchanges import ExchangeChanged
from shared.contracts.privacy import PrivacyRequested
from shared.db.partitions import ensure_months
from shared.db.session import make_engine, make_sessionmaker
from shared.logging import configure_logging
from shared.metrics import STREAM_STATS, read_stream_stats
from shared.people import parse_api_keys
from shared.rate_limit import rate_policy
from shared.runtime import ServiceRuntime, serve
from shared.settings import Settings
from shared.streams.names import Group

SERVICE = "reporting"

log = logging.getLogger(__name__)


def _register(
    runtime: ServiceRuntime,
    sessions: async_sessionmaker[AsyncSession],
    notify: Addressing | None,
) -> None:
    s, names = runtime.settings, runtime.names
    config = RiskConfig(
        threshold=s.risk_alert_threshold,
        rearm=s.risk_alert_rearm,
        window=timedelta(minutes=s.risk_window_minutes),
    )
    decisions = DecisionHandler(sessions, runtime.publisher, names.alerts, config, notify)
    g = Group.REPORTING
    runtime.consume(names.comments, "comments", g, CommentReceived, CommentHistoryHandler(sessions))
    runtime.consume(names.decisions, "decisions", g, DecisionMade, decisions)
    runtime.consume(names.actions, "actions", g, ActionCompleted, ActionHandler(sessions))
    action_states = ActionStatesHandler(sessions)
    runtime.consume(names.action_states, "action_states", g, ActionChanged, action_states)
    runtime.consume(names.timers, "timers", g, SlaTimerEvent, TimerHandler(sessions, notify))
    states = ExchangeStatesHandler(sessions)
    runtime.consume(names.exchanges, "exchanges", g, ExchangeChanged, states)


async def _ensure_partitions(engine: AsyncEngine) -> None:
    """This month's and the next months' partitions of the history (comment_events)."""
    async with engine.begin() as conn:
        await ensure_months(conn, utcnow())


def build_workspace(
    runtime: ServiceRuntime,
    sessions: async_sessionmaker[AsyncSession],
    people: People,
    directory: AccountDirectory,
) -> Workspace:
    pub, names = runtime.publisher, runtime.names
    return Workspace(
        actions=ManualActions(sessions, pub, names, directory),
        police=PoliceReports(sessions, pub, names),
        assignments=Assignments(sessions, people),
        corrections=Corrections(sessions),
        people=people,
        canned=CannedReplies(sessions),
        states=ExchangeCommands(sessions, pub, names),
    )


def create_app(settings: Settings) -> FastAPI:
    """Wires consumers for every stream reporting reads, the refresh loop, and the read API."""
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    runtime = ServiceRuntime(SERVICE, settings, engine)
    directory = AccountDirectory.load(
        settings.accounts_file, accept_unknown=settings.accept_unknown_accounts
    )
    notify = Addressing.of(directory, settings.public_url)
    _register(runtime, sessions, notify if notify.accounts else None)
    privacy = privacy_handler(runtime, sessions, directory)
    names = runtime.names
    runtime.consume(names.privacy, "privacy", Group.REPORTING, PrivacyRequested, privacy)
    runtime.spawn(privacy.run_purges)
    runtime.on_startup(lambda: _ensure_partitions(engine))
    reports = ReportQueries(sessions)
    runtime.spawn(lambda stop: refresh_gauges(runtime, reports, stop))
    if notify.accounts:
        runtime.spawn(lambda stop: send_notifications(sessions, directory, settings, stop))
    rates = rate_policy(settings.api_rate_limit, "API_RATE_LIMIT", [API_PREFIX], COOKIE)
    app = runtime.build_app("Steam-Connect reporting", rates=rates)
    weekly = WeeklyReports(reports, directory)
    if any(a.weekly_report for a in directory):
        runtime.spawn(lambda stop: send_weekly_reports(runtime, weekly, stop))
    router = reports_router(
        reports, calendars_from(directory), settings.risk_alert_threshold, weekly
    )
    people = People(sessions)
    access = Access(parse_api_keys(settings.reporting_api_keys), build_signer(settings), people)
    if not access.keys:
        log.info("REPORTING_API_KEYS is empty: /v1 answers signed-in agents only")
    principal = access.dependency()
    workspace = build_workspace(runtime, sessions, people, directory)
    routers = [
        router,
        workspace_router(workspace, principal),
        notifications_router(NotificationLog(sessions), principal),
        privacy_router(runtime, principal),
    ]
    install_routes(app, HistoryQueries(sessions), principal, routers)
    install_workspace_errors(app)
    add_inbox(app, runtime, sessions, access, workspace, directory)
    return app


async def send_notifications(
    sessions: async_sessionmaker[AsyncSession],
    directory: AccountDirectory,
    settings: Settings,
    stop: asyncio.Event,
) -> None:
    """The webhook sender's loop, with one HTTP client (connection pool) for its lifetime."""
    async with httpx.AsyncClient(follow_redirects=False) as client:
        await NotificationSender(sessions, directory, settings, client).run(stop)


async def send_weekly_reports(
    runtime: ServiceRuntime, weekly: WeeklyReports, stop: asyncio.Event
) -> None:
    """The scheduled weekly reports' loop, with one HTTP client for its lifetime."""
    s = runtime.settings
    async with httpx.AsyncClient(follow_redirects=False) as client:
        delivery = WeeklyDelivery(weekly, runtime.redis, runtime.names, client)
        await delivery.run(stop, s.weekly_report_check_s)


async def refresh_once(runtime: ServiceRuntime, reports: ReportQueries) -> None:
    """Stream lag / pending / dead-letter size, and open exchanges per risk band."""
    n = runtime.names
    streams = {
        "comments": n.partitions(n.comments),
        "decisions": n.partitions(n.decisions),
        "actions": n.partitions(n.actions),
        "action_states": n.partitions(n.action_states),
        "timers": n.partitions(n.timers),
        "alerts": n.partitions(n.alerts),
        "exchanges": n.partitions(n.exchanges),
        "commands": n.partitions(n.commands),
    }
    dead_letters = n.partitions(n.dead_letter)
    STREAM_STATS.update(await read_stream_stats(runtime.redis, streams, dead_letters))
    counts = await reports.open_by_band()
    for band in RISK_BANDS:
        OPEN_BY_RISK.labels(band).set(counts.get(band, 0))


async def refresh_gauges(
    runtime: ServiceRuntime, reports: ReportQueries, stop: asyncio.Event
) -> None:
    """Refreshes the gauges until the service stops; a failed refresh is logged and retried."""
    interval = runtime.settings.stream_stats_interval_s
    while not stop.is_set():
        try:
            await refresh_once(runtime, reports)
        except Exception:
            log.exception("refreshing stream and risk gauges failed; retrying in %.0fs", interval)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            continue


def main() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    serve(create_app(settings), settings, settings.reporting_port)
