"""What the responder publishes and logs once an outcome is durably recorded."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from services.responder.adapters import outbox
from services.responder.adapters.outbox import Outcome
from services.responder.metrics import ACTIONS
from shared.clock import utcnow
from shared.contracts import ActionCompleted
from shared.db.models import ActionRow

log = logging.getLogger(__name__)
Settled = tuple[ActionRow, Outcome]


def completed_events(settled: Sequence[Settled]) -> list[ActionCompleted]:
    return [completed(row, o) for row, o in settled if o.status in outbox.FINAL_STATUSES]


def completed(row: ActionRow, outcome: Outcome) -> ActionCompleted:
    when = outcome.completed_at or utcnow()
    return ActionCompleted(
        occurred_at=when,
        correlation_id=row.correlation_id,
        account_id=row.account_id,
        action_id=row.action_id,
        decision_id=row.decision_id,
        kind=row.kind,
        platform=row.platform,
        comment_id=row.comment_id,
        thread_id=row.thread_id,
        status=outcome.status,
        detail=outcome.detail,
        platform_ref=outcome.platform_ref,
        performed_at=when,
    )


def completed_from_row(row: ActionRow) -> ActionCompleted:
    """Republished on redelivery: a crash between commit and publish must not lose the event."""
    return completed(
        row,
        Outcome(
            row.action_id,
            row.status,
            row.detail,
            row.attempts,
            row.platform_ref,
            row.completed_at,
            None,
            row.performed_as,
        ),
    )


def observe(settled: Sequence[Settled]) -> None:
    for row, o in settled:
        ACTIONS.labels(row.kind, o.status).inc()
        log.info(
            "action %s (%s) %s: %s",
            row.action_id,
            row.kind,
            o.status,
            o.detail,
            extra={"correlation_id": row.correlation_id, "action_id": row.action_id},
        )
