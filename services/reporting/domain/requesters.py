"""Who asked for an action: read from the audit log, so the timeline names the person.

The responder's outbox records what the platform answered, not who clicked; reporting's audit
log knows. An action by hand carries its id in the audit row (`after.action_id`), and so does
the evidence row of the same command (same decision id); an approval or undo names the draft or
hide it is about (`target`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.contracts.commands import MANUAL_PREFIX

AuditFacts = tuple[str, str, str | None, Mapping[str, Any] | None]
"""(actor, action, target, after) of one audit row."""


def requesters(rows: Sequence[AuditFacts]) -> dict[str, str]:
    """Action id (or manual decision id) → the person or key that asked for it; latest wins."""
    found: dict[str, str] = {}
    for actor, action, target, after in rows:
        action_id = (after or {}).get("action_id")
        if isinstance(action_id, str):
            found[action_id] = actor
            if action_id.startswith(MANUAL_PREFIX):
                found[action_id.rsplit(":", 1)[0]] = actor
        if target and action in ("approve_draft", "discard_draft"):
            found[target] = actor
        if target and action == "undo_hide":
            found[f"{target}:unhide"] = actor
    return found


def requested_by(by: Mapping[str, str], action_id: str, decision_id: str) -> str | None:
    if action_id in by:
        return by[action_id]
    if decision_id.startswith(MANUAL_PREFIX):
        return by.get(decision_id)
    return None
