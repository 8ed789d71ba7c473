"""Events and rows as the other services would produce them (test fixtures only)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts import (
    Author,
    Comment,
    CommentChange,
    CommentReceived,
    DecisionMade,
    PlannedAction,
)
from shared.db.models import ReportingActionRow, ReportingDecisionRow, decision_row
from shared.streams.consumer import Delivery

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@dataclass(frozen=True)
class Exchange:
    """One thread with a unique id, so tests sharing the session database never collide."""

    post_id: str
    comment_id: str

    @classmethod
    def new(cls) -> Exchange:
        post = uuid.uuid4().hex[:10]
        return cls(post, f"{post}_{uuid.uuid4().hex[:6]}")

    @property
    def thread_id(self) -> str:
        return f"facebook:{self.comment_id}"

    def comment(self, text: str) -> Comment:
        return Comment(
            platform="facebook",
            account_id="acc-1",
            comment_id=self.comment_id,
            post_id=self.post_id,
            thread_id=self.thread_id,
            author=Author(id="author-1", name="Jane Doe"),
            text=text,
            created_at=at(0),
        )

    def received(self, change: CommentChange, text: str, minutes: int) -> CommentReceived:
        return CommentReceived(
            occurred_at=at(minutes),
            correlation_id=self.thread_id,
            account_id="acc-1",
            change=change,
            comment=self.comment(text),
        )

    def story(self) -> list[CommentReceived]:
        """Created, edited four minutes later, removed four minutes after that."""
        return [
            self.received("created", "My order never arrived", 0),
            self.received("edited", "My order never arrived!! Scam!", 5),
            self.received("removed", "", 9),
        ]

    def decision(self, minutes: int = 1) -> DecisionMade:
        decision_id = uuid.uuid4().hex
        return DecisionMade(
            occurred_at=at(minutes),
            correlation_id=self.thread_id,
            account_id="acc-1",
            decision_id=decision_id,
            comment_event_id=uuid.uuid4().hex,
            comment=self.comment("My order never arrived"),
            lang="en",
            labels=["complaint.product"],
            scores={"complaint.product": 0.93, "troll": 0.02},
            rule_id="R1",
            reason="product complaint: public reply at once",
            policy_version="2026-11-24",
            category="complaint.product",
            sla_due_at=at(61),
            actions=[
                PlannedAction(
                    action_id=f"{decision_id}:reply", kind="reply", template="complaint.product"
                ),
                PlannedAction(action_id=f"{decision_id}:flag", kind="flag_for_human"),
            ],
        )


def deliveries(events: list[CommentReceived]) -> list[Delivery[CommentReceived]]:
    return [Delivery(f"0-{n}", e) for n, e in enumerate(events, start=1)]


async def store_decision(engine: AsyncEngine, decision: DecisionMade) -> None:
    """Reporting's copy of a consumed decision, as its decisions consumer writes it."""
    async with engine.begin() as conn:
        await conn.execute(
            insert(ReportingDecisionRow).values(decision_row(decision, decision.occurred_at))
        )


async def store_actions(engine: AsyncEngine, decision: DecisionMade) -> None:
    """Outbox rows as the responder leaves them: the reply done, the flag still pending."""
    c = decision.comment
    reply, flag = decision.actions
    common = {
        "decision_id": decision.decision_id,
        "platform": c.platform,
        "account_id": c.account_id,
        "comment_id": c.comment_id,
        "thread_id": c.thread_id,
        "author_id": c.author.id,
        "not_before": None,
    }
    async with engine.begin() as conn:
        await conn.execute(
            insert(ReportingActionRow),
            [
                {
                    **common,
                    "action_id": reply.action_id,
                    "kind": reply.kind,
                    "status": "done",
                    "text": "We're sorry! Please send us your order number.",
                    "detail": "",
                    "platform_ref": "fb-reply-77",
                    "created_at": at(1),
                    "completed_at": at(2),
                },
                {
                    **common,
                    "action_id": flag.action_id,
                    "kind": flag.kind,
                    "status": "pending",
                    "text": None,
                    "detail": "",
                    "platform_ref": None,
                    "created_at": at(1),
                    "completed_at": None,
                },
            ],
        )
