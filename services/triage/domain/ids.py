"""Deterministic identities: a redelivered comment event maps to the same decision and actions."""

from __future__ import annotations

import uuid

from services.triage.domain.context import Decision
from shared.contracts import PlannedAction

DECISION_NAMESPACE = uuid.UUID("6b0d3c2e-5f3a-4c1e-9a57-2f1d8e4b7c90")
"""Fixed forever: changing it would give every past comment event a second decision."""


def decision_id(dedupe_key: str, policy_version: str) -> str:
    """One decision per (comment event, policy version)."""
    return uuid.uuid5(DECISION_NAMESPACE, f"{dedupe_key}|{policy_version}").hex


def action_id(decision_id_: str, kind: str) -> str:
    """The responder's exactly-once key; a decision plans each kind at most once."""
    return f"{decision_id_}:{kind}"


def planned_actions(did: str, decision: Decision) -> list[PlannedAction]:
    """The decision's plans as the responder receives them, each with its exactly-once id."""
    return [
        PlannedAction(
            action_id=action_id(did, plan.kind),
            kind=plan.kind,
            template=plan.template,
            not_before=plan.not_before,
        )
        for plan in decision.actions
    ]


def follow_up_decision_id(timer_id: str) -> str:
    """R10's own reply once the community window elapsed: one per community timer, ever."""
    return uuid.uuid5(DECISION_NAMESPACE, f"timer:{timer_id}").hex
