"""R10's second step: the community window elapsed unanswered, so we reply ourselves."""

from __future__ import annotations

from datetime import datetime

from services.triage.domain.ids import action_id, follow_up_decision_id
from services.triage.domain.policy import Policy
from services.triage.domain.timers import Timer, timer_id
from shared.accounts import Account
from shared.contracts import DecisionMade, PlannedAction

FOLLOW_UP_RULE = "R10.reply"
FOLLOW_UP_REASON = (
    "personal or influencer account — nobody from the community answered within the window, so "
    "we reply now (R10)"
)


def community_follow_up(
    original: DecisionMade, community_timer_id: str, policy: Policy, account: Account, now: datetime
) -> tuple[DecisionMade, Timer | None]:
    """The follow-up decision (id derived from the timer) and the SLA timer of its reply."""
    did = follow_up_decision_id(community_timer_id)
    category = original.category
    window = policy.sla_window(category, now, account) if category is not None else None
    comment = original.comment
    decision = DecisionMade(
        event_id=did,
        occurred_at=now,
        correlation_id=original.correlation_id,
        account_id=original.account_id,
        decision_id=did,
        comment_event_id=original.comment_event_id,
        change=original.change,
        comment=comment,
        lang=original.lang,
        labels=original.labels,
        scores=original.scores,
        rule_id=FOLLOW_UP_RULE,
        reason=f"{FOLLOW_UP_REASON}; follows decision {original.decision_id}",
        policy_version=policy.version,
        category=category,
        sla_due_at=window.due_at if window else None,
        actions=[PlannedAction(action_id=action_id(did, "reply"), kind="reply", template=category)],
        improvement=False,
        trigger="community_window",
    )
    if window is None:
        return decision, None
    timer = Timer(
        timer_id=timer_id(did, "sla"),
        kind="sla",
        thread_id=comment.thread_id,
        platform=comment.platform,
        account_id=comment.account_id,
        decision_id=did,
        comment_id=comment.comment_id,
        category=category,
        started_at=window.started_at,
        due_soon_at=window.due_soon_at,
        due_at=window.due_at,
        business_hours=window.business_hours,
    )
    return decision, timer
