"""Triage's comments and alerts use cases against in-memory fakes of the unit of work.

The same use cases run against PostgreSQL and Redis in `tests/triage/integration/`; here the
fakes (`tests/triage/fakes.py`) make each batch's contract visible without I/O: one unit of work,
one commit, publishing only after it, nothing left behind by a batch that fails, a redelivery
republishing what is stored. The classifier is a fake too: labels go in as data, so retraining
the model cannot change these tests.
"""

from __future__ import annotations

import pytest

from services.triage.domain.ids import decision_id
from services.triage.domain.labelling import Labeller
from services.triage.use_cases.actions import RepliesHandler
from services.triage.use_cases.alerts import AlertsHandler
from services.triage.use_cases.commands import CommandHandler
from services.triage.use_cases.comments import CommentsHandler
from shared.accounts import AccountDirectory
from shared.contracts import ActionCompleted, AgentCommand, CommentReceived, DecisionMade
from shared.contracts.exchanges import ExchangeChanged
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from tests.triage.factories import NOW, account, alert, comment, policy, received
from tests.triage.fakes import (
    FakeClassifier,
    FakeDatabase,
    FakePublisher,
    FakeTimekeeper,
)

NAMES = StreamNames("unit")
COMPLAINT = "Mein Akku ist nach zwei Tagen kaputt."
INSULT = "Ihr seid Idioten."
SCORES = {COMPLAINT: {"complaint.product": 0.9}, INSULT: {"abuse.insult": 0.95}}


class Rig:
    """The comments and alerts use cases wired to one fake database."""

    def __init__(self, scores: dict[str, dict[str, float]] | None = None) -> None:
        self.db = FakeDatabase()
        self.publisher = FakePublisher(self.db)
        self.timekeeper = FakeTimekeeper(self.db, self.publisher)
        accounts = AccountDirectory([account()], accept_unknown=False)
        self.comments = CommentsHandler(
            labeller=Labeller(FakeClassifier(scores or SCORES), policy()),
            accounts=accounts,
            units=self.db.units(),
            publisher=self.publisher,
            names=NAMES,
            timekeeper=self.timekeeper,
            clock=lambda: NOW,
        )
        self.alerts = AlertsHandler(
            policy=policy(),
            accounts=accounts,
            units=self.db.units(),
            publisher=self.publisher,
            names=NAMES,
            timekeeper=self.timekeeper,
            clock=lambda: NOW,
        )

        self.replies = RepliesHandler(
            units=self.db.units(), timekeeper=self.timekeeper, names=NAMES, clock=lambda: NOW
        )
        self.commands = CommandHandler(
            units=self.db.units(),
            accounts=accounts,
            timekeeper=self.timekeeper,
            names=NAMES,
            policy_version=policy().version,
            clock=lambda: NOW,
        )

    def decisions(self) -> list[DecisionMade]:
        return [e for e in self.publisher.on(NAMES.decisions) if isinstance(e, DecisionMade)]

    def states(self) -> list[ExchangeChanged]:
        return [e for e in self.publisher.on(NAMES.exchanges) if isinstance(e, ExchangeChanged)]


def _batch(*events: CommentReceived, attempt: int = 1) -> list[Delivery[CommentReceived]]:
    return [Delivery(f"{i}-0", e, attempt=attempt) for i, e in enumerate(events, 1)]


async def test_a_batch_is_one_commit_and_publishes_after_it() -> None:
    rig = Rig()
    complaint = received(comment(COMPLAINT, comment_id="c1", author_id="anna"))
    insult = received(comment(INSULT, comment_id="c2", author_id="troll"))
    await rig.comments(_batch(complaint, insult))
    assert rig.db.commits == 1
    assert rig.publisher.commits_seen == [1] and rig.timekeeper.commits_seen == [1]
    rules = [d.rule_id for d in rig.decisions()]
    assert rules[0].startswith("R1") and rules[1] == "R7", rules  # in stream order
    # What the complaint is about travels with it; an insult has no topic.
    assert [d.aspects for d in rig.decisions()] == [["product_quality"], []]
    assert set(rig.db.decisions) == {d.decision_id for d in rig.decisions()}
    assert rig.db.exchanges["facebook:c1"].state == "open"
    assert {s.thread_id for s in rig.states()} == {"facebook:c1", "facebook:c2"}
    [timer] = rig.db.timers.values()  # the complaint's SLA clock; an insult starts none
    assert (
        timer.thread_id == "facebook:c1" and rig.timekeeper.announced[0].timer_id == timer.timer_id
    )


async def test_a_redelivered_batch_republishes_the_stored_decisions_and_changes_nothing() -> None:
    rig = Rig()
    batch = _batch(received(comment(COMPLAINT, comment_id="c1")))
    await rig.comments(batch)
    stored = (dict(rig.db.decisions), dict(rig.db.exchanges), dict(rig.db.timers))
    await rig.comments([Delivery(d.entry_id, d.event, attempt=2) for d in batch])
    first, again = rig.decisions()
    assert first == again
    assert (rig.db.decisions, rig.db.exchanges, rig.db.timers) == stored
    assert len(rig.states()) == 2  # the exchange state goes out again: a lost publish heals


async def test_the_third_offence_blocks_the_author_across_batches() -> None:
    rig = Rig()
    for i in range(3):
        await rig.comments(_batch(received(comment(INSULT, comment_id=f"t{i}", author_id="x"))))
    rules = [d.rule_id for d in rig.decisions()]
    assert rules == ["R7", "R7", "R9.repeat"]
    assert "block_author" in {a.kind for a in rig.decisions()[-1].actions}
    assert rig.db.authors[("facebook", "1001", "x")].strikes == 3


async def test_a_failing_batch_leaves_nothing_and_publishes_nothing() -> None:
    class Broken(FakeClassifier):
        def classify_batch(self, items):  # type: ignore[no-untyped-def]
            raise RuntimeError("model file unreadable")

    rig = Rig()
    rig.comments._labeller = Labeller(Broken({}), policy())  # noqa: SLF001 - the one seam
    with pytest.raises(RuntimeError, match="unreadable"):
        await rig.comments(_batch(received(comment(COMPLAINT))))
    assert rig.db.commits == 0 and not rig.db.decisions and not rig.publisher.published


async def test_an_alert_moves_the_exchange_private_once() -> None:
    rig = Rig()
    await rig.comments(_batch(received(comment(COMPLAINT, comment_id="c1", author_id="u1"))))
    warning = alert("facebook:c1")
    await rig.alerts([Delivery("9-0", warning)])
    await rig.alerts([Delivery("9-0", warning, attempt=2)])  # redelivered: republished only
    moved = [d for d in rig.decisions() if d.trigger == "escalation_alert"]
    assert [d.rule_id for d in moved] == ["R11", "R11"] and moved[0] == moved[1]
    assert moved[0].decision_id == decision_id(f"alert:{warning.event_id}", policy().version)
    assert {a.kind for a in moved[0].actions} == {"reply", "private_reply"}
    ex = rig.db.exchanges["facebook:c1"]
    assert ex.escalated_at == NOW and ex.risk_score == warning.score
    assert rig.db.commits == 3 and rig.publisher.commits_seen == [1, 2, 3]


def _reply_done(d: DecisionMade) -> ActionCompleted:
    reply = next(a for a in d.actions if a.kind == "reply")
    return ActionCompleted(
        occurred_at=NOW,
        correlation_id=d.comment.thread_id,
        account_id=d.comment.account_id,
        action_id=reply.action_id,
        decision_id=d.decision_id,
        kind="reply",
        platform=d.comment.platform,
        comment_id=d.comment.comment_id,
        thread_id=d.comment.thread_id,
        status="done",
        performed_at=NOW,
    )


async def test_a_reply_done_meets_the_clock_and_the_exchange_awaits_the_customer() -> None:
    rig = Rig()
    await rig.comments(_batch(received(comment(COMPLAINT, comment_id="c1"))))
    [decided] = rig.decisions()
    await rig.replies([Delivery("5-0", _reply_done(decided))])
    assert rig.db.commits == 2 and rig.timekeeper.commits_seen == [1, 2]
    [timer] = rig.db.timers.values()
    assert timer.state == "met" and rig.timekeeper.announced[-1].state == "met"
    assert rig.db.exchanges["facebook:c1"].state == "awaiting_customer"


async def test_an_agent_resolving_stops_the_clock_and_asks_for_deletion_once() -> None:
    rig = Rig()
    await rig.comments(_batch(received(comment(COMPLAINT, comment_id="c1"))))
    resolve = AgentCommand(
        occurred_at=NOW,
        correlation_id="facebook:c1",
        account_id="1001",
        kind="resolve",
        thread_id="facebook:c1",
        agent="anna",
    )
    await rig.commands([Delivery("7-0", resolve)])
    await rig.commands([Delivery("7-0", resolve, attempt=2)])
    assert rig.db.exchanges["facebook:c1"].state == "resolved"
    [timer] = rig.db.timers.values()
    assert timer.state == "cancelled"
    asks = [d for d in rig.decisions() if d.rule_id.startswith("R12")]
    assert len(asks) == 2 and asks[0] == asks[1]  # decided once, republished on redelivery
    assert len([d for d in rig.db.decisions.values() if d["rule_id"].startswith("R12")]) == 1
