"""Deciding a batch in order against in-memory state, so comments of one thread see each other.

The handler loads the state for a batch, runs this, and persists what it touched; the sample
replay test runs exactly the same code with an empty state.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from services.triage.domain.agent import hold_replies
from services.triage.domain.context import AuthorRecord, Decision, DecisionContext, Exchange
from services.triage.domain.exchange import apply_decision, apply_removal
from services.triage.domain.labelling import Labelled
from services.triage.domain.policy import Policy
from services.triage.domain.timers import TimerBook
from shared.accounts import Account
from shared.contracts import Comment, CommentChange

AuthorKey = tuple[str, str, str]
"""(platform, account id, author id): strikes count per page, not across the brand."""


def author_key(comment: Comment) -> AuthorKey:
    return (comment.platform, comment.account_id, comment.author.id)


@dataclass(frozen=True)
class TriageItem:
    comment: Comment
    change: CommentChange
    labelled: Labelled | None
    """None only for a removed comment, which is never classified."""
    account: Account
    decision_id: str | None = None
    """Needed to start timers; the sample replay runs without one (and without timers)."""


@dataclass
class TriageState:
    """Exchanges and author records as the batch goes, plus what must be written back."""

    exchanges: dict[str, Exchange] = field(default_factory=dict)
    authors: dict[AuthorKey, AuthorRecord] = field(default_factory=dict)
    touched_threads: set[str] = field(default_factory=set)
    strike_deltas: Counter[AuthorKey] = field(default_factory=Counter)
    touched_authors: set[AuthorKey] = field(default_factory=set)
    timers: TimerBook = field(default_factory=TimerBook)
    """Pending timers of the batch's threads; the handler loads them with the exchanges."""

    def context(self, item: TriageItem) -> DecisionContext:
        return DecisionContext(
            account=item.account,
            author=self.authors.get(author_key(item.comment), AuthorRecord()),
            exchange=self.exchanges.get(item.comment.thread_id),
            change=item.change,
        )

    def apply(self, item: TriageItem, decision: Decision | None, *, now: datetime) -> None:
        comment = item.comment
        thread = comment.thread_id
        before = self.exchanges.get(thread)
        if decision is None:
            after = apply_removal(before, comment, now=now)
        else:
            after = apply_decision(before, comment, decision, now=now)
            self._apply_author(comment, decision, now=now)
        if after is not None and after != before:
            self.exchanges[thread] = after
            self.touched_threads.add(thread)
        self.timers.on_comment(comment, item.decision_id, decision, before, after)

    def _apply_author(self, comment: Comment, decision: Decision, *, now: datetime) -> None:
        if not decision.strike:
            return
        key = author_key(comment)
        record = self.authors.get(key, AuthorRecord())
        blocks = any(action.kind == "block_author" for action in decision.actions)
        self.authors[key] = replace(
            record,
            strikes=record.strikes + 1,
            blocked=record.blocked or blocks,
            last_offence_at=now,
        )
        self.strike_deltas[key] += 1
        self.touched_authors.add(key)


def decide_in_order(
    policy: Policy, items: list[TriageItem], state: TriageState, *, now: datetime
) -> list[Decision | None]:
    """One decision per item (None for removals), each seeing the effects of those before it."""
    decisions: list[Decision | None] = []
    for item in items:
        decision = None
        if item.change != "removed":
            if item.labelled is None:
                raise ValueError(
                    f"comment {item.comment.comment_id} ({item.change}) reached decide unlabelled"
                )
            decision = policy.decide(item.comment, item.labelled, state.context(item), now=now)
            decision = hold_replies(decision, state.exchanges.get(item.comment.thread_id))
        state.apply(item, decision, now=now)
        decisions.append(decision)
    return decisions
