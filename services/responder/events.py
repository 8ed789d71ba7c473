"""What the responder publishes and logs once an outbox row's change is committed.

Events are built from the rows as committed (read back after the commit), never from what a
use case meant to write: the snapshot then carries the revision PostgreSQL counted, and a
redelivered batch republishes exactly what is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from services.responder.adapters.outbox import Outcome
from services.responder.metrics import ACTIONS
from shared.clock import utcnow
from shared.contracts import ActionChanged, ActionCompleted
from shared.contracts.actions import FINAL_STATUSES
from shared.db.models import ActionRow

log = logging.getLogger(__name__)
Settled = tuple[ActionRow, Outcome]


def completed(row: Row[Any]) -> ActionCompleted:
    """The outcome of a settled row (`status` one of FINAL_STATUSES)."""
    when = row.completed_at or utcnow()
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
        status=row.status,
        detail=row.detail,
        platform_ref=row.platform_ref,
        performed_at=when,
    )


def changed(row: Row[Any]) -> ActionChanged:
    """The whole row as committed, for reporting's read model of actions."""
    return ActionChanged(
        occurred_at=row.completed_at or row.approved_at or row.created_at,
        correlation_id=row.correlation_id,
        account_id=row.account_id,
        action_id=row.action_id,
        decision_id=row.decision_id,
        kind=row.kind,
        platform=row.platform,
        comment_id=row.comment_id,
        thread_id=row.thread_id,
        author_id=row.author_id,
        status=row.status,
        text=row.text,
        detail=row.detail,
        platform_ref=row.platform_ref,
        performed_as=row.performed_as,
        evidence=row.evidence,
        not_before=row.not_before,
        created_at=row.created_at,
        completed_at=row.completed_at,
        approved_at=row.approved_at,
        revision=row.revision,
    )


def ended(settled: Sequence[Settled]) -> set[str]:
    """Action ids whose outcome was recorded as final just now."""
    return {row.action_id for row, o in settled if o.status in FINAL_STATUSES}


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
