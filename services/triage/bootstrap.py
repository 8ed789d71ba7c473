"""Triage's composition root: everything is built here from settings, nothing at import time."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.triage.adapters.timer_index import TimerIndex
from services.triage.adapters.unit_of_work import sql_units
from services.triage.domain.aspects import AspectAssigner
from services.triage.domain.classifier import LexiconClassifier
from services.triage.domain.community import FOLLOW_UP_RULE
from services.triage.domain.labelling import Labeller
from services.triage.domain.model import HybridClassifier, ModelClassifier
from services.triage.domain.policy_loader import load_policy
from services.triage.metrics import declare, declare_timers
from services.triage.timekeeping import Timekeeper
from services.triage.use_cases.actions import RepliesHandler
from services.triage.use_cases.alerts import AlertsHandler
from services.triage.use_cases.commands import CommandHandler
from services.triage.use_cases.comments import CommentsHandler
from services.triage.use_cases.due_timers import LoopConfig, TimerLoop
from services.triage.use_cases.http_policy import policy_router
from services.triage.use_cases.privacy import privacy_handler
from shared.accounts import AccountDirectory
from shared.contracts import ActionCompleted, AgentCommand, CommentReceived, EscalationAlert
from shared.contracts.privacy import PrivacyRequested
from shared.db.session import make_engine, make_sessionmaker
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime, serve
from shared.settings import Settings
from shared.streams.names import Group

SERVICE = "triage"


def build_labeller(settings: Settings) -> Labeller:
    """The classifier and policy thresholds the service uses; `steam-connect classify` too.

    The trained model (n-grams, and the sentence encoder as the settings say) scores every
    label with training data; the lexicons add transparent overrides and the labels without
    data (trolls, trivial, conspiracy): see docs/classifier.md.
    """
    model = ModelClassifier.load(mode=settings.classifier_encoder)
    classifier = HybridClassifier(model, LexiconClassifier.from_directory())
    return Labeller(classifier, load_policy(settings.policy_file))


def build_aspects(labeller: Labeller) -> AspectAssigner:
    """Complaint topics with the classifier's own encoder (none loaded twice)."""
    classifier = labeller.classifier
    encoder = classifier.model.encoder if isinstance(classifier, HybridClassifier) else None
    return AspectAssigner.load(encoder)


def create_app(settings: Settings) -> FastAPI:
    """Refuses to start on a broken policy or lexicon file (the error names the line)."""
    labeller = build_labeller(settings)
    accounts = AccountDirectory.load(
        settings.accounts_file, accept_unknown=settings.accept_unknown_accounts
    )
    engine = make_engine(settings.database_url)
    runtime = ServiceRuntime(SERVICE, settings, engine)
    sessions = make_sessionmaker(engine)
    timekeeper = _timekeeper(runtime, sessions)
    handler = CommentsHandler(
        labeller=labeller,
        aspects=build_aspects(labeller),
        accounts=accounts,
        units=sql_units(sessions),
        publisher=runtime.publisher,
        names=runtime.names,
        timekeeper=timekeeper,
    )
    runtime.consume(runtime.names.comments, "comments", Group.TRIAGE, CommentReceived, handler)
    replies = RepliesHandler(units=sql_units(sessions), timekeeper=timekeeper, names=runtime.names)
    runtime.consume(runtime.names.actions, "actions", Group.TRIAGE, ActionCompleted, replies)
    commands = CommandHandler(
        units=sql_units(sessions),
        accounts=accounts,
        timekeeper=timekeeper,
        names=runtime.names,
        policy_version=labeller.policy.version,
    )
    runtime.consume(runtime.names.commands, "commands", Group.TRIAGE, AgentCommand, commands)
    privacy = privacy_handler(runtime, sessions, accounts)
    runtime.consume(runtime.names.privacy, "privacy", Group.TRIAGE, PrivacyRequested, privacy)
    runtime.spawn(privacy.run_purges)
    alerts = AlertsHandler(
        policy=labeller.policy,
        accounts=accounts,
        units=sql_units(sessions),
        publisher=runtime.publisher,
        names=runtime.names,
        timekeeper=timekeeper,
    )
    runtime.consume(runtime.names.alerts, "alerts", Group.TRIAGE, EscalationAlert, alerts)
    loop = TimerLoop(
        sessions=sessions,
        timekeeper=timekeeper,
        policy=labeller.policy,
        accounts=accounts,
        names=runtime.names,
        config=LoopConfig(settings.sla_tick_s, settings.sla_fire_batch, settings.sla_resync_s),
    )
    runtime.spawn(loop.run)
    languages = getattr(labeller.classifier, "languages", ())
    declare((*labeller.policy.rule_ids, FOLLOW_UP_RULE), languages)
    declare_timers()
    app = runtime.build_app("Steam-Connect triage")
    app.include_router(policy_router(labeller.policy))
    return app


def _timekeeper(runtime: ServiceRuntime, sessions: async_sessionmaker[AsyncSession]) -> Timekeeper:
    settings = runtime.settings
    index = TimerIndex(
        runtime.redis,
        runtime.names,
        maxlen=settings.stream_maxlen,
        marker_ttl_s=settings.sla_event_marker_ttl_s,
    )
    return Timekeeper(sessions=sessions, index=index, names=runtime.names)


def main() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    serve(create_app(settings), settings, settings.triage_port)
