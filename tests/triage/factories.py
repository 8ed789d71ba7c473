"""Builders for triage tests: comments, events, contexts and the real policy and labeller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.triage.adapters.timer_index import TimerIndex
from services.triage.bootstrap import build_aspects, build_labeller
from services.triage.domain.aspects import AspectAssigner
from services.triage.domain.context import AuthorRecord, DecisionContext, Exchange
from services.triage.domain.labelling import Labeller
from services.triage.domain.policy import Policy
from services.triage.domain.policy_loader import load_policy
from services.triage.timekeeping import Timekeeper
from shared.accounts import Account, AccountKind
from shared.contracts import (
    Author,
    Comment,
    CommentChange,
    CommentReceived,
    EscalationAlert,
    Platform,
    RiskReason,
)
from shared.settings import Settings
from shared.streams.names import StreamNames

ROOT = Path(__file__).resolve().parents[2]
POLICY_FILE = ROOT / "services" / "triage" / "policy" / "policy.yaml"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@cache
def policy() -> Policy:
    return load_policy(POLICY_FILE)


@cache
def labeller() -> Labeller:
    """The production labeller (trained model + lexicons), so rule tests test what runs."""
    return build_labeller(Settings(_env_file=None, policy_file=POLICY_FILE))


def comment(
    text: str,
    *,
    comment_id: str = "c1",
    parent_id: str | None = None,
    author_id: str = "u1",
    platform: Platform = "facebook",
    account_id: str = "1001",
    created_at: datetime = NOW,
) -> Comment:
    top = comment_id if parent_id is None else parent_id
    return Comment(
        platform=platform,
        account_id=account_id,
        comment_id=comment_id,
        post_id="p1",
        parent_id=parent_id,
        thread_id=f"{platform}:{top}",
        author=Author(id=author_id, name=f"Author {author_id}"),
        text=text,
        created_at=created_at,
    )


def received(c: Comment, change: CommentChange = "created", at: datetime = NOW) -> CommentReceived:
    return CommentReceived(
        occurred_at=at,
        correlation_id=c.thread_id,
        account_id=c.account_id,
        change=change,
        comment=c,
    )


def account(kind: AccountKind = "business", language: str = "de", **extra: object) -> Account:
    return Account.model_validate(
        {"platform": "facebook", "account_id": "1001", "kind": kind, "language": language, **extra}
    )


def exchange(
    *,
    state: str = "awaiting_customer",
    customer_id: str = "u1",
    category: str | None = "complaint.product",
    escalated_at: datetime | None = None,
    risk_score: float | None = None,
) -> Exchange:
    """`risk_score` set: reporting's escalation alert has come for it (R11)."""
    return Exchange(
        thread_id="facebook:c1",
        platform="facebook",
        account_id="1001",
        customer_id=customer_id,
        state=state,  # type: ignore[arg-type]
        category=category,
        sla_due_at=NOW + timedelta(hours=1),
        opened_at=NOW - timedelta(hours=1),
        updated_at=NOW - timedelta(minutes=30),
        escalated_at=escalated_at,
        risk_alerted_at=NOW - timedelta(minutes=1) if risk_score is not None else None,
        risk_score=risk_score,
        risk_reasons=["negativity +20", "velocity +15"] if risk_score is not None else None,
    )


def alert(thread_id: str = "facebook:c1", score: float = 72.0) -> EscalationAlert:
    """Reporting's escalation alert for a thread, as it arrives on the alerts stream."""
    return EscalationAlert(
        occurred_at=NOW,
        correlation_id=thread_id,
        account_id="1001",
        thread_id=thread_id,
        platform="facebook",
        score=score,
        threshold=60.0,
        band="high",
        reasons=[
            RiskReason(feature="negativity", points=20.0, detail="negativity +20"),
            RiskReason(feature="velocity", points=15.0, detail="velocity +15"),
        ],
        messages_seen=3,
    )


def context(
    *,
    acc: Account | None = None,
    strikes: int = 0,
    ex: Exchange | None = None,
    change: CommentChange = "created",
) -> DecisionContext:
    return DecisionContext(
        account=acc or account(),
        author=AuthorRecord(strikes=strikes),
        exchange=ex,
        change=change,
    )


def timekeeper(
    redis: Redis, sessions: async_sessionmaker[AsyncSession], names: StreamNames
) -> Timekeeper:
    index = TimerIndex(redis, names, maxlen=10_000, marker_ttl_s=3_600)
    return Timekeeper(sessions=sessions, index=index, names=names)


@cache
def aspects() -> AspectAssigner:
    """The production complaint-topic assigner, on the labeller's own encoder."""
    return build_aspects(labeller())
