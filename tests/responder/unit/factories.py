"""Plain-value builders for responder tests: decisions as triage would publish them."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.contracts import Author, Comment, DecisionMade, PlannedAction

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def decision(
    *,
    actions: list[PlannedAction],
    labels: list[str] | None = None,
    rule_id: str = "R1",
    lang: str = "en",
    category: str | None = "complaint.product",
    comment_id: str = "c1",
    account_id: str = "1001",
    author_name: str = "Jane Doe",
    decision_id: str = "d1",
) -> DecisionMade:
    thread = f"facebook:{comment_id}"
    return DecisionMade(
        occurred_at=NOW,
        correlation_id=thread,
        account_id=account_id,
        decision_id=decision_id,
        comment_event_id=f"e-{comment_id}",
        comment=Comment(
            platform="facebook",
            account_id=account_id,
            comment_id=comment_id,
            post_id="p1",
            thread_id=thread,
            author=Author(id="author-7", name=author_name),
            text="My kettle broke after two days.",
            created_at=NOW,
        ),
        lang=lang,
        labels=labels if labels is not None else ["complaint.product"],
        scores={},
        rule_id=rule_id,
        reason="test",
        policy_version="test-1",
        category=category,
        actions=actions,
    )
